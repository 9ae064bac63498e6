import { useState } from "react";
import { Link } from "react-router";
import { api, call } from "../api/client";
import { ErrorAlert } from "../components/Alert";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { StateBadge } from "../components/StateBadge";
import { LIST_POLL, usePolling } from "../hooks/usePolling";

const SITES_POLL = { intervalMs: 30_000, maxIntervalMs: 300_000 };

function SiteEvses({ locationId }: { locationId: string }) {
  const poll = usePolling(
    (signal) => call(api().GET("/api/locations/{locationId}", { params: { path: { locationId } }, signal })),
    locationId,
    LIST_POLL,
  );
  const site = poll.data;
  return (
    <section className="card">
      <h2>
        EVSEs of {site?.location.name ?? locationId} <LiveStatus poll={poll} />
      </h2>
      <ErrorAlert error={poll.error} />
      {site ? (
        <>
          <p>
            {site.availableEvses} of {site.evses.length} EVSEs available
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">EVSE</th>
                <th scope="col">Status</th>
                <th scope="col">Charger</th>
                <th scope="col">Connectors</th>
              </tr>
            </thead>
            <tbody>
              {site.evses.map((evse) => {
                const binding = site.location.evses?.find((e) => e.uid === evse.uid)?.charger;
                return (
                  <tr key={evse.uid}>
                    <td>{evse.evseId ?? evse.uid}</td>
                    <td>
                      <StateBadge state={evse.status} testId="evse-status" />
                    </td>
                    <td>
                      {binding ? (
                        <Link to={`/chargers/${encodeURIComponent(binding.chargePointId)}`}>{binding.chargePointId}</Link>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td>{evse.connectors.map((c) => `${c.standard} ${(c.powerW / 1000).toFixed(0)} kW`).join(", ")}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

export function SitesPage() {
  const poll = usePolling((signal) => call(api().GET("/api/locations", { params: { query: { limit: 100 } }, signal })), "sites", SITES_POLL);
  const [selected, setSelected] = useState<string | null>(null);
  const items = poll.data?.items ?? [];
  return (
    <>
      <PageHeader title="Sites">
        <LiveStatus poll={poll} />
      </PageHeader>
      <ErrorAlert error={poll.error} />
      <table>
        <caption className="visually-hidden">Sites</caption>
        <thead>
          <tr>
            <th scope="col">Site</th>
            <th scope="col">Address</th>
            <th scope="col">EVSEs</th>
            <th scope="col">Published</th>
            <th scope="col">
              <span className="visually-hidden">Details</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((l) => (
            <tr key={l.locationId}>
              <td>
                <Link to={`/sites/${encodeURIComponent(l.locationId)}`}>{l.name}</Link>
              </td>
              <td>{[l.address, l.postalCode, l.city, l.country].filter(Boolean).join(", ")}</td>
              <td>{l.evses?.length ?? 0}</td>
              <td>{l.publish ? "yes" : "no"}</td>
              <td>
                <button type="button" className="button button-small" aria-label={`Show EVSEs of ${l.name}`} onClick={() => setSelected(l.locationId)}>
                  Show EVSEs
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {poll.data && items.length === 0 ? <p>No site is defined yet.</p> : null}
      {selected ? <SiteEvses key={selected} locationId={selected} /> : null}
    </>
  );
}
