/** A charger's firmware and diagnostics on its detail page: the version it booted with, its last firmware
 * report, and the campaigns that targeted it with each one's status timeline. */

import { useState } from "react";
import { Link } from "react-router";
import { api, call } from "../api/client";
import { ErrorAlert, Notice } from "../components/Alert";
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

/** The charger's diagnostics and log uploads: ask for one, follow its status, download the file. */
export function ChargerDiagnostics({ chargePointId, protocol }: { chargePointId: string; protocol: "1.6" | "2.0.1" }) {
  const path = { path: { chargePointId } };
  const poll = usePolling(
    (signal) => call(api().GET("/api/chargers/{chargePointId}/diagnostics", { params: path, signal })),
    `diagnostics:${chargePointId}`,
    FIRMWARE_POLL,
  );
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);

  async function request() {
    setError(null);
    setNotice("");
    setBusy(true);
    try {
      const body = protocol === "2.0.1" ? { logType: "DiagnosticsLog" as const } : {};
      const asked = await call(api().POST("/api/chargers/{chargePointId}/diagnostics", { params: path, body }));
      setNotice(`Asked for diagnostics (request ${asked.requestId}): the file appears below once the charger uploads it.`);
      poll.refresh();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const uploads = poll.data?.uploads ?? [];
  return (
    <section className="card">
      <h2>Diagnostics</h2>
      <div className="actions">
        <button type="button" className="button" disabled={busy} onClick={() => void request()}>
          Request diagnostics
        </button>
      </div>
      <ErrorAlert error={error ?? poll.error} />
      {notice ? <Notice>{notice}</Notice> : null}
      {uploads.length === 0 ? (
        <p>No diagnostics requested yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Request</th>
              <th scope="col">Kind</th>
              <th scope="col">Requested</th>
              <th scope="col">Status</th>
              <th scope="col">File</th>
            </tr>
          </thead>
          <tbody>
            {uploads.map((upload) => (
              <tr key={upload.requestId}>
                <td>{upload.requestId}</td>
                <td>{upload.kind}</td>
                <td>{formatDateTime(upload.requestedAt)}</td>
                <td>
                  {upload.status ? <StateBadge state={upload.status} testId="upload-status" /> : "requested"}{" "}
                  {formatDateTime(upload.statusAt)}
                </td>
                <td>
                  {upload.downloadUrl ? (
                    <a href={upload.downloadUrl} target="_blank" rel="noreferrer">
                      {upload.fileName ?? "download"}
                    </a>
                  ) : (
                    (upload.fileName ?? "—")
                  )}
                  {upload.sizeBytes !== null ? ` (${(upload.sizeBytes / 1024).toFixed(1)} KiB)` : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
