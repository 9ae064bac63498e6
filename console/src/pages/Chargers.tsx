import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, call } from "../api/client";
import { StateLegend } from "../components/StateLegend";
import { ErrorAlert } from "../components/Alert";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { StateBadge } from "../components/StateBadge";
import { formatDateTime } from "../format";
import { LIST_POLL, usePolling } from "../hooks/usePolling";
import { useOnce } from "../hooks/useOnce";
import { siteOptions } from "../lookups";
import { filledPage, Pager, usePager } from "../paging";
import { STATES } from "./Overview";

const FILTERS = ["q", "state", "locationId", "model"] as const;

/** The outlets (connector 0 of OCPP 1.6 speaks for the whole charger: shown only when alone). */
function outlets<T extends { connectorId: number }>(connectors: T[]): T[] {
  const real = connectors.filter((c) => c.connectorId !== 0);
  return real.length ? real : connectors;
}

export function ChargersPage() {
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get("q") ?? "");
  const sites = useOnce(siteOptions, "sites");
  const filter = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) || undefined]));
  const pager = usePager(params.toString());
  const key = `${params.toString()}|${pager.cursor ?? ""}`;

  // The search box updates the address (and the list) once typing pauses.
  useEffect(() => {
    const timer = setTimeout(() => {
      if ((params.get("q") ?? "") !== search) update("q", search);
    }, 300);
    return () => clearTimeout(timer);
  });

  function update(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  }

  const poll = usePolling(
    (signal) =>
      filledPage(
        (cursor, limit) => call(api().GET("/api/chargers", { params: { query: { ...filter, limit, cursor } }, signal })),
        pager.cursor,
      ),
    key,
    LIST_POLL,
  );
  const items = poll.data?.items ?? [];
  const siteName = new Map((sites.data ?? []).map((s) => [s.id, s.name]));
  return (
    <>
      <PageHeader title="Chargers">
        <LiveStatus poll={poll} />
      </PageHeader>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" value={search} placeholder="Charger id" onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label>
          State
          <select value={params.get("state") ?? ""} onChange={(e) => update("state", e.target.value)}>
            <option value="">Any state</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Site
          <select value={params.get("locationId") ?? ""} onChange={(e) => update("locationId", e.target.value)}>
            <option value="">Any site</option>
            {(sites.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <input
            defaultValue={params.get("model") ?? ""}
            onBlur={(e) => update("model", e.target.value.trim())}
            onKeyDown={(e) => {
              if (e.key === "Enter") update("model", e.currentTarget.value.trim());
            }}
          />
        </label>
      </form>
      <StateLegend />
      <ErrorAlert error={poll.error} />
      <table>
        <caption className="visually-hidden">Chargers</caption>
        <thead>
          <tr>
            <th scope="col">Charger</th>
            <th scope="col">State</th>
            <th scope="col">Connectors</th>
            <th scope="col">Site</th>
            <th scope="col">Vendor / model</th>
            <th scope="col">Firmware</th>
            <th scope="col">Protocol</th>
            <th scope="col">Last boot</th>
          </tr>
        </thead>
        <tbody>
          {items.map((charger) => (
            <tr key={charger.chargePointId} data-charger={charger.chargePointId}>
              <td>
                <Link to={`/chargers/${encodeURIComponent(charger.chargePointId)}`}>{charger.chargePointId}</Link>
              </td>
              <td>
                <StateBadge state={charger.state} />
              </td>
              <td>
                {outlets(charger.connectors).length === 0
                  ? "—"
                  : outlets(charger.connectors).map((c) => `${c.evseId != null ? `${c.evseId}/` : ""}${c.connectorId}: ${c.status}`).join(", ")}
              </td>
              <td>{charger.locationId ? siteName.get(charger.locationId) ?? charger.locationId : "—"}</td>
              <td>{[charger.vendor, charger.model].filter(Boolean).join(" ") || "—"}</td>
              <td>{charger.firmwareVersion ?? "—"}</td>
              <td>{charger.protocol ?? "—"}</td>
              <td>{formatDateTime(charger.lastBootAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {poll.data && items.length === 0 ? <p>No charger matches.</p> : null}
      <Pager pager={pager} nextCursor={poll.data?.nextCursor} />
    </>
  );
}
