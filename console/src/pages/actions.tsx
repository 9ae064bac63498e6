/** The operator's buttons on a charger: each a form (in a confirmation dialog) that builds the
 * OCPP request of the charger's protocol. */

import { useState } from "react";
import type { CommandAction } from "../hooks/useCommand";

export type Protocol = "1.6" | "2.0.1";

export interface ActionForm {
  values: Record<string, string>;
  set: (name: string, value: string) => void;
}

export interface ActionSpec {
  label: string;
  action: (p: Protocol) => CommandAction;
  fields: (p: Protocol) => Field[];
  payload: (p: Protocol, v: Record<string, string>) => Record<string, unknown>;
  describe: string;
}

interface Field {
  name: string;
  label: string;
  options?: string[];
  initial?: string;
  optional?: boolean;
  numeric?: boolean;
}

function int(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
}

const TRIGGERS_16 = ["BootNotification", "Heartbeat", "StatusNotification", "MeterValues", "DiagnosticsStatusNotification", "FirmwareStatusNotification"];
const TRIGGERS_201 = ["BootNotification", "Heartbeat", "StatusNotification", "MeterValues", "FirmwareStatusNotification", "LogStatusNotification", "TransactionEvent"];

export const ACTIONS: Record<string, ActionSpec> = {
  start: {
    label: "Remote start",
    describe: "Ask the charger to start a session for an id tag.",
    action: (p) => (p === "1.6" ? "RemoteStartTransaction" : "RequestStartTransaction"),
    fields: (p) => [
      { name: "idTag", label: "Id tag" },
      p === "1.6"
        ? { name: "connectorId", label: "Connector", initial: "1", optional: true, numeric: true }
        : { name: "evseId", label: "EVSE", initial: "1", optional: true, numeric: true },
    ],
    payload: (p, v) =>
      p === "1.6"
        ? { idTag: v.idTag, ...(int(v.connectorId) !== undefined ? { connectorId: int(v.connectorId) } : {}) }
        : {
            idToken: { idToken: v.idTag, type: "Central" },
            remoteStartId: Math.floor(Date.now() / 1000) % 2_000_000_000,
            ...(int(v.evseId) !== undefined ? { evseId: int(v.evseId) } : {}),
          },
  },
  stop: {
    label: "Remote stop",
    describe: "Ask the charger to stop a running session.",
    action: (p) => (p === "1.6" ? "RemoteStopTransaction" : "RequestStopTransaction"),
    fields: () => [{ name: "transactionId", label: "Transaction id" }],
    payload: (p, v) =>
      p === "1.6" ? { transactionId: int(v.transactionId) ?? v.transactionId } : { transactionId: v.transactionId },
  },
  reset: {
    label: "Reset",
    describe: "Restart the charger. Running sessions stop.",
    action: () => "Reset",
    fields: (p) => [
      { name: "type", label: "Reset type", options: p === "1.6" ? ["Soft", "Hard"] : ["OnIdle", "Immediate"] },
    ],
    payload: (_p, v) => ({ type: v.type }),
  },
  unlock: {
    label: "Unlock connector",
    describe: "Release the cable of a connector.",
    action: () => "UnlockConnector",
    fields: (p) =>
      p === "1.6"
        ? [{ name: "connectorId", label: "Connector", initial: "1", numeric: true }]
        : [
            { name: "evseId", label: "EVSE", initial: "1", numeric: true },
            { name: "connectorId", label: "Connector", initial: "1", numeric: true },
          ],
    payload: (p, v) =>
      p === "1.6"
        ? { connectorId: int(v.connectorId) }
        : { evseId: int(v.evseId), connectorId: int(v.connectorId) },
  },
  trigger: {
    label: "Trigger message",
    describe: "Ask the charger to send a message now.",
    action: () => "TriggerMessage",
    fields: (p) => [{ name: "requestedMessage", label: "Message", options: p === "1.6" ? TRIGGERS_16 : TRIGGERS_201 }],
    payload: (_p, v) => ({ requestedMessage: v.requestedMessage }),
  },
};

export function initialValues(spec: ActionSpec, p: Protocol, preset: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of spec.fields(p)) values[field.name] = preset[field.name] ?? field.initial ?? field.options?.[0] ?? "";
  return values;
}

export function ActionFields({ spec, protocol, form }: { spec: ActionSpec; protocol: Protocol; form: ActionForm }) {
  return (
    <>
      <p>{spec.describe}</p>
      {spec.fields(protocol).map((field) => (
        <label key={field.name} className="field">
          {field.label}
          {field.options ? (
            <select value={form.values[field.name] ?? ""} onChange={(e) => form.set(field.name, e.target.value)}>
              {field.options.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          ) : (
            <input
              value={form.values[field.name] ?? ""}
              inputMode={field.numeric ? "numeric" : undefined}
              required={!field.optional}
              onChange={(e) => form.set(field.name, e.target.value)}
            />
          )}
        </label>
      ))}
    </>
  );
}

export function useActionForm(initial: Record<string, string>): ActionForm {
  const [values, setValues] = useState(initial);
  return { values, set: (name, value) => setValues((v) => ({ ...v, [name]: value })) };
}
