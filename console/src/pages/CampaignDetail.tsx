/** One firmware campaign: what it rolls out to whom, its progress wave by wave (targets by
 * state, the failure rate against the halt threshold), each charger's state, and the
 * operator's controls (start, pause, resume, cancel). */

import { useState } from "react";
import { Link, useParams } from "react-router";
import { api, call } from "../api/client";
import type { Schemas } from "../api/client";
import { ErrorAlert, Notice } from "../components/Alert";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { StateBadge } from "../components/StateBadge";
import { formatDateTime } from "../format";
import { LIST_POLL, usePolling } from "../hooks/usePolling";

type Campaign = Schemas["CampaignView"];
type Wave = Schemas["WaveProgress"];
type Control = "start" | "pause" | "resume" | "cancel";

// Which controls a campaign in each status offers (the API refuses the others with 409).
const CONTROLS: Record<string, Control[]> = {
  draft: ["start", "cancel"],
  running: ["pause", "cancel"],
  paused: ["resume", "cancel"],
};

const CONTROL_TEXT: Record<Control, { label: string; describe: string; done: string }> = {
  start: {
    label: "Start",
    describe: "The targets listed below are frozen and the first wave starts.",
    done: "Campaign started.",
  },
  pause: {
    label: "Pause",
    describe: "Chargers already updating finish; no other charger starts until you resume.",
    done: "Campaign paused.",
  },
  resume: { label: "Resume", describe: "Chargers waiting for their turn start again.", done: "Campaign resumed." },
  cancel: {
    label: "Cancel",
    describe: "The roll-out stops for good. Chargers already updating finish; the others are not updated.",
    done: "Campaign cancelled.",
  },
};

const SUCCEEDED = ["succeeded"];
const ENDED_BADLY = ["failed", "skipped", "cancelled"];

/** A wave as one bar: succeeded, failed and the rest in proportion, with the numbers in text. */
function WaveBar({ wave, threshold }: { wave: Wave; threshold: number }) {
  const count = (names: string[]) => names.reduce((sum, name) => sum + (wave.states[name] ?? 0), 0);
  const ok = count(SUCCEEDED);
  const failed = wave.failed;
  const other = Math.max(0, wave.total - ok - failed);
  const pct = (n: number) => (wave.total === 0 ? 0 : (100 * n) / wave.total);
  const over = wave.failureRatePct > threshold;
  return (
    <tr>
      <th scope="row">Wave {wave.wave}</th>
      <td>{wave.total}</td>
      <td>
        <div className="wave-bar" role="img" aria-label={`${ok} succeeded, ${failed} failed, ${other} other`}>
          <span className="wave-ok" style={{ width: `${pct(ok)}%` }} />
          <span className="wave-failed" style={{ width: `${pct(failed)}%` }} />
          <span className="wave-other" style={{ width: `${pct(other)}%` }} />
        </div>
      </td>
      <td>
        {Object.entries(wave.states)
          .filter(([, n]) => n > 0)
          .map(([state, n]) => `${state} ${n}`)
          .join(", ") || "—"}
      </td>
      <td className={over ? "text-bad" : undefined}>
        {wave.failureRatePct.toFixed(1)} %{over ? " (over the threshold)" : ""}
      </td>
    </tr>
  );
}

function Summary({ campaign }: { campaign: Campaign }) {
  const selector = campaign.selector;
  const filters = [
    ["vendor", selector.vendors],
    ["model", selector.models],
    ["current version", selector.firmwareVersions],
    ["site", selector.sites],
    ["charger", selector.chargerIds],
    ["tag", selector.tags],
  ] as const;
  const described = filters.filter(([, values]) => (values ?? []).length > 0);
  return (
    <section className="card">
      <h2>Roll-out</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StateBadge state={campaign.status} testId="campaign-status" />
          {campaign.haltedReason ? ` ${campaign.haltedReason}` : ""}
        </dd>
        <dt>Image</dt>
        <dd>
          {campaign.imageVersion} ({campaign.imageId})
        </dd>
        <dt>Targets</dt>
        <dd>
          {described.length === 0
            ? "every charger"
            : described.map(([name, values]) => `${name}: ${(values ?? []).join(", ")}`).join("; ")}
        </dd>
        <dt>Waves</dt>
        <dd>{(campaign.waves ?? []).map((w) => `${w} %`).join(" → ")}</dd>
        <dt>Halts above</dt>
        <dd>{campaign.failureThresholdPct} % failed in a wave</dd>
        <dt>Active sessions</dt>
        <dd>{campaign.sessionPolicy === "skip" ? "skipped" : "waited for"}</dd>
        <dt>At once</dt>
        <dd>
          {campaign.concurrency} per wave
          {campaign.siteConcurrency ? `, ${campaign.siteConcurrency} per site` : ""}
        </dd>
        <dt>Windows</dt>
        <dd>
          {(campaign.windows ?? []).length === 0
            ? "any time"
            : (campaign.windows ?? []).map((w) => `${w.start}–${w.end}${w.days?.length ? ` (${w.days.join(", ")})` : ""}`).join("; ")}
        </dd>
        <dt>Created</dt>
        <dd>
          {formatDateTime(campaign.createdAt)}
          {campaign.createdBy ? ` by ${campaign.createdBy}` : ""}
        </dd>
        <dt>Started</dt>
        <dd>{formatDateTime(campaign.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatDateTime(campaign.finishedAt)}</dd>
      </dl>
    </section>
  );
}

export function CampaignDetailPage() {
  const campaignId = useParams().campaignId ?? "";
  const path = { params: { path: { campaignId } } };
  const poll = usePolling((signal) => call(api().GET("/api/firmware/campaigns/{campaignId}", { ...path, signal })), campaignId, LIST_POLL);
  const targets = usePolling(
    (signal) => call(api().GET("/api/firmware/campaigns/{campaignId}/targets", { ...path, signal })),
    campaignId,
    LIST_POLL,
  );
  const [asking, setAsking] = useState<Control | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");

  async function control(which: Control) {
    setError(null);
    setNotice("");
    try {
      const routes = {
        start: "/api/firmware/campaigns/{campaignId}/start",
        pause: "/api/firmware/campaigns/{campaignId}/pause",
        resume: "/api/firmware/campaigns/{campaignId}/resume",
        cancel: "/api/firmware/campaigns/{campaignId}/cancel",
      } as const;
      await call(api().POST(routes[which], path));
      setNotice(CONTROL_TEXT[which].done);
      poll.refresh();
      targets.refresh();
    } catch (failure) {
      setError(failure);
    }
  }

  const campaign = poll.data?.campaign;
  const controls = campaign ? (CONTROLS[campaign.status] ?? []) : [];
  const list = targets.data?.targets ?? [];
  return (
    <>
      <PageHeader title={campaign ? `Campaign ${campaign.name}` : "Campaign"}>
        <LiveStatus poll={poll} />
        {controls.map((which) => (
          <button
            key={which}
            type="button"
            className={`button${which === "cancel" ? " button-danger" : which === "start" ? " button-primary" : ""}`}
            onClick={() => setAsking(which)}
          >
            {CONTROL_TEXT[which].label}
          </button>
        ))}
      </PageHeader>
      <p>
        <Link to="/firmware">All campaigns</Link>
      </p>
      <ErrorAlert error={error ?? poll.error} />
      {notice ? <Notice>{notice}</Notice> : null}
      {campaign ? <Summary campaign={campaign} /> : null}
      {campaign && campaign.status !== "draft" ? (
        <section className="card">
          <h2>Progress by wave</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Wave</th>
                <th scope="col">Chargers</th>
                <th scope="col">Done</th>
                <th scope="col">By state</th>
                <th scope="col">Failed</th>
              </tr>
            </thead>
            <tbody>
              {(poll.data?.waves ?? []).map((wave) => (
                <WaveBar key={wave.wave} wave={wave} threshold={campaign.failureThresholdPct ?? 0} />
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <section className="card">
        <h2>
          {campaign?.status === "draft"
            ? `Preview: ${list.length} ${list.length === 1 ? "charger" : "chargers"} would be updated`
            : `Chargers (${list.length})`}{" "}
          <LiveStatus poll={targets} />
        </h2>
        <ErrorAlert error={targets.error} />
        <table>
          <thead>
            <tr>
              <th scope="col">Charger</th>
              <th scope="col">Wave</th>
              <th scope="col">Site</th>
              <th scope="col">State</th>
              <th scope="col">Attempt</th>
              <th scope="col">Reason</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.map((target) => (
              <tr key={target.chargePointId}>
                <td>
                  <Link to={`/chargers/${encodeURIComponent(target.chargePointId)}`}>{target.chargePointId}</Link>
                </td>
                <td>{target.wave}</td>
                <td>{target.site ?? "—"}</td>
                <td>
                  <StateBadge state={target.state} testId="target-state" />
                </td>
                <td>{target.attempt}</td>
                <td>{target.reason ?? (ENDED_BADLY.includes(target.state) ? "—" : "")}</td>
                <td>{formatDateTime(target.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {asking ? (
        <ConfirmDialog
          title={`${CONTROL_TEXT[asking].label} campaign ${campaign?.name ?? ""}?`}
          confirmLabel={CONTROL_TEXT[asking].label}
          onCancel={() => setAsking(null)}
          onConfirm={() => {
            const which = asking;
            setAsking(null);
            void control(which);
          }}
        >
          <p>{CONTROL_TEXT[asking].describe}</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
