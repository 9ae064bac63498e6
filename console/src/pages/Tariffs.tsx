import { useState } from "react";
import { api, call } from "../api/client";
import type { Schemas } from "../api/client";
import { ErrorAlert } from "../components/Alert";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { formatDateTime, formatMoney } from "../format";
import { usePolling } from "../hooks/usePolling";
import { useOnce } from "../hooks/useOnce";

const POLL = { intervalMs: 60_000, maxIntervalMs: 300_000 };

// Prices are minor units per kWh (ENERGY), per hour (TIME, PARKING_TIME) or per session (FLAT).
const PER: Record<string, string> = { ENERGY: "per kWh", TIME: "per hour charging", PARKING_TIME: "per hour parked", FLAT: "per session" };

function prices(tariff: Schemas["TariffView"]): string {
  return tariff.elements
    .flatMap((e) => e.priceComponents.map((c) => `${formatMoney(c.price, tariff.currency)} ${PER[c.type] ?? c.type}`))
    .join(", ");
}

function TariffRows({ items }: { items: Schemas["TariffView"][] }) {
  return (
    <tbody>
      {items.map((t) => (
        <tr key={`${t.tariffId}/${t.version}`}>
          <td>{t.tariffId}</td>
          <td>{t.version}</td>
          <td>{formatDateTime(t.validFrom)}</td>
          <td>{prices(t)}</td>
          <td>{(t.taxRateBp / 100).toFixed(2)} %</td>
        </tr>
      ))}
    </tbody>
  );
}

function Head() {
  return (
    <thead>
      <tr>
        <th scope="col">Tariff</th>
        <th scope="col">Version</th>
        <th scope="col">Valid from</th>
        <th scope="col">Prices</th>
        <th scope="col">Tax</th>
      </tr>
    </thead>
  );
}

function Versions({ tariffId }: { tariffId: string }) {
  const versions = useOnce((signal) => call(api().GET("/api/tariffs/{tariffId}", { params: { path: { tariffId } }, signal })), tariffId);
  return (
    <section className="card">
      <h2>Versions of {tariffId}</h2>
      <ErrorAlert error={versions.error} />
      {versions.data ? (
        <>
          <p>Valid now: {versions.data.current ? `version ${versions.data.current.version}` : "none"}</p>
          <table>
            <Head />
            <TariffRows items={versions.data.versions} />
          </table>
        </>
      ) : null}
    </section>
  );
}

export function TariffsPage() {
  const poll = usePolling((signal) => call(api().GET("/api/tariffs", { params: { query: { limit: 100 } }, signal })), "tariffs", POLL);
  const [selected, setSelected] = useState("");
  const ids = [...new Set((poll.data?.items ?? []).map((t) => t.tariffId))];
  return (
    <>
      <PageHeader title="Tariffs">
        <LiveStatus poll={poll} />
      </PageHeader>
      <ErrorAlert error={poll.error} />
      <table>
        <caption className="visually-hidden">Tariff versions</caption>
        <Head />
        <TariffRows items={poll.data?.items ?? []} />
      </table>
      {poll.data && ids.length === 0 ? <p>No tariff is published yet.</p> : null}
      {ids.length ? (
        <form className="filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            Show versions of
            <select value={selected} onChange={(e) => setSelected(e.target.value)}>
              <option value="">Choose a tariff</option>
              {ids.map((id) => (
                <option key={id}>{id}</option>
              ))}
            </select>
          </label>
        </form>
      ) : null}
      {selected ? <Versions tariffId={selected} /> : null}
    </>
  );
}
