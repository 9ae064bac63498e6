import type { Command, CommandRun } from "../hooks/useCommand";
import { ErrorAlert } from "./Alert";

const STATUS_TEXT: Record<Command["status"], string> = {
  pending: "Waiting for the charger's answer",
  answered: "The charger answered",
  error: "The charger answered with an error",
  invalid_response: "The charger's answer was not valid",
  timeout: "The charger did not answer in time",
  offline: "The charger is offline",
};

function value(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.length === 1 ? "1 item" : `${v.length} items`;
  return Object.entries(v as Record<string, unknown>)
    .map(([k, inner]) => `${k}: ${value(inner)}`)
    .join(", ");
}

/** The answer's fields as label/value pairs (the status first). */
export function answerSummary(command: Command): string {
  const source = command.result ?? command.error ?? {};
  const status = (source as { status?: unknown }).status;
  if (typeof status === "string") return status;
  const keys = (source as { configurationKey?: unknown }).configurationKey;
  if (Array.isArray(keys)) return `${keys.length} configuration keys`;
  // 2.0.1 GetVariables / SetVariables: the status of each variable.
  const results = (source as { getVariableResult?: unknown; setVariableResult?: unknown });
  const variables = results.getVariableResult ?? results.setVariableResult;
  if (Array.isArray(variables)) {
    return variables.map((v: { attributeStatus?: unknown }) => String(v.attributeStatus)).join(", ");
  }
  const code = (source as { code?: unknown }).code;
  if (typeof code === "string") return code;
  return STATUS_TEXT[command.status];
}

export function CommandOutcome({ run }: { run: CommandRun }) {
  if (run.phase === "failed") return <ErrorAlert error={run.error} title={`${run.label ?? run.action} was not sent`} />;
  const command = run.command;
  if (!command || run.phase === "sending") {
    return (
      <div className="outcome" role="status">
        Sending {run.label ?? run.action}…
      </div>
    );
  }
  const fields = Object.entries(command.result ?? command.error ?? {});
  const bad = command.status !== "answered" && command.status !== "pending";
  return (
    <div className={`outcome ${bad ? "outcome-bad" : ""}`} role="status" aria-live="polite">
      <p>
        <strong>{run.label ?? run.action}</strong>: {STATUS_TEXT[command.status]}
        {command.status === "answered" ? <> — <strong data-testid="command-answer">{answerSummary(command)}</strong></> : null}
      </p>
      {fields.length > 0 ? (
        <dl className="facts">
          {fields.map(([k, v]) => (
            <div key={k} className="fact">
              <dt>{k}</dt>
              <dd>{value(v)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </div>
  );
}
