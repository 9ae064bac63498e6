import { useState } from "react";
import { useSearchParams } from "react-router";
import { api, call } from "../api/client";
import { ErrorAlert } from "../components/Alert";
import { answerSummary } from "../components/CommandOutcome";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { StateBadge } from "../components/StateBadge";
import { formatDateTime } from "../format";
import type { Command } from "../hooks/useCommand";
import { useOnce } from "../hooks/useOnce";
import { LIST_POLL, usePolling } from "../hooks/usePolling";
import { chargerOptions } from "../lookups";
import { filledPage, Pager, usePager } from "../paging";

const STATUSES: Command["status"][] = ["pending", "answered", "error", "invalid_response", "timeout", "offline"];

export function CommandTable({ commands }: { commands: Command[] }) {
  if (commands.length === 0) return <p>No command was sent to this charger yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Sent</th>
          <th scope="col">Action</th>
          <th scope="col">Outcome</th>
          <th scope="col">Answer</th>
          <th scope="col">Completed</th>
          <th scope="col">By</th>
        </tr>
      </thead>
      <tbody>
        {commands.map((c) => (
          <tr key={c.commandId} data-command={c.commandId}>
            <td>{formatDateTime(c.createdAt)}</td>
            <td>{c.action}</td>
            <td>
              <StateBadge state={c.status} testId="command-status" />
            </td>
            <td>{c.status === "pending" ? "—" : answerSummary(c)}</td>
            <td>{formatDateTime(c.completedAt)}</td>
            <td>{c.requestedBy ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CommandsPage() {
  const [params, setParams] = useSearchParams();
  const chargers = useOnce(chargerOptions, "chargers");
  const chargePointId = params.get("charger") ?? chargers.data?.[0] ?? "";
  const status = params.get("status") ?? "";
  const outcome = STATUSES.find((s) => s === status);
  const [action, setAction] = useState(params.get("action") ?? "");
  const set = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const pager = usePager(`${chargePointId}|${params.toString()}`);
  const poll = usePolling(
    async (signal) =>
      chargePointId
        ? filledPage(
            (cursor, limit) =>
              call(
                api().GET("/api/chargers/{chargePointId}/commands", {
                  params: {
                    path: { chargePointId },
                    query: { limit, cursor, action: params.get("action") || undefined, status: outcome },
                  },
                  signal,
                }),
              ),
            pager.cursor,
          )
        : { items: [], nextCursor: null },
    `${chargePointId}|${params.toString()}|${pager.cursor ?? ""}`,
    LIST_POLL,
  );
  return (
    <>
      <PageHeader title="Command history">
        <LiveStatus poll={poll} />
      </PageHeader>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          set("action", action.trim());
        }}
      >
        <label>
          Charger
          <select value={chargePointId} onChange={(e) => set("charger", e.target.value)}>
            {(chargers.data ?? []).map((id) => (
              <option key={id}>{id}</option>
            ))}
          </select>
        </label>
        <label>
          Action
          <input value={action} placeholder="e.g. Reset" onChange={(e) => setAction(e.target.value)} onBlur={() => set("action", action.trim())} />
        </label>
        <label>
          Outcome
          <select value={status} onChange={(e) => set("status", e.target.value)}>
            <option value="">Any outcome</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </form>
      <ErrorAlert error={chargers.error ?? poll.error} />
      {chargers.data && chargers.data.length === 0 ? <p>No charger is registered yet.</p> : null}
      <CommandTable commands={poll.data?.items ?? []} />
      <Pager pager={pager} nextCursor={poll.data?.nextCursor} />
    </>
  );
}
