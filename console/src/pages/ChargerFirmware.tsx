/** A charger's firmware on its detail page: the version it booted with, its last firmware
 * report, and the campaigns that targeted it with each one's status timeline. */

import { Link } from "react-router";
import { api, call } from "../api/client";
import { ErrorAlert } from "../components/Alert";
import { StateBadge } from "../components/StateBadge";
import { formatDateTime } from "../format";
import { usePolling } from "../hooks/usePolling";

const FIRMWARE_POLL = { intervalMs: 15_000, maxIntervalMs: 300_000 };

export function ChargerFirmware({ chargePointId }: { chargePointId: string }) {
  const poll = usePolling(
    (signal) => call(api().GET("/api/chargers/{chargePointId}/firmware", { params: { path: { chargePointId } }, signal })),
    `firmware:${chargePointId}`,
    FIRMWARE_POLL,
  );
  const firmware = poll.data;
  return (
    <section className="card">
      <h2>Firmware</h2>
      <ErrorAlert error={poll.error} />
      {firmware ? (
        <>
          <dl className="facts">
            <dt>Version at last boot</dt>
            <dd>{firmware.firmwareVersion ?? "—"}</dd>
            <dt>Last firmware report</dt>
            <dd>{firmware.firmwareStatus ?? "—"}</dd>
          </dl>
          {firmware.campaigns.length === 0 ? (
            <p>No campaign has targeted this charger.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Campaign</th>
                  <th scope="col">Version</th>
                  <th scope="col">Here</th>
                  <th scope="col">Timeline</th>
                </tr>
              </thead>
              <tbody>
                {firmware.campaigns.map((entry) => (
                  <tr key={entry.campaignId}>
                    <td>
                      <Link to={`/firmware/${encodeURIComponent(entry.campaignId)}`}>{entry.name}</Link>{" "}
                      <StateBadge state={entry.campaignStatus} testId="campaign-status" />
                    </td>
                    <td>{entry.imageVersion}</td>
                    <td>
                      <StateBadge state={entry.target.state} testId="target-state" />
                      {entry.target.reason ? ` ${entry.target.reason}` : ""}
                    </td>
                    <td>
                      {(entry.target.timeline ?? []).map((step) => `${step.status} ${formatDateTime(step.at)}`).join(" → ") || "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </section>
  );
}
