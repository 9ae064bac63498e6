import { useState } from "react";
import { Link, useParams } from "react-router";
import { api, call } from "../api/client";
import type { Answer } from "../api/client";
import { ErrorAlert } from "../components/Alert";
import { CommandOutcome } from "../components/CommandOutcome";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { StateBadge } from "../components/StateBadge";
import { formatDateTime } from "../format";
import { useCommand } from "../hooks/useCommand";
import type { CommandAction } from "../hooks/useCommand";
import { LIST_POLL, usePolling } from "../hooks/usePolling";
import { filledPage } from "../paging";
import { ChargerDiagnostics, ChargerFirmware } from "./ChargerFirmware";
import { CommandTable } from "./Commands";
import type { Protocol } from "./actions";
import { ACTIONS, ActionFields, initialValues, useActionForm } from "./actions";

type Charger = Answer<"/api/chargers/{chargePointId}">;

function protocolOf(charger: Charger): Protocol {
  return charger.protocol?.includes("2.0") ? "2.0.1" : "1.6";
}

function ActionDialog({
  kind,
  protocol,
  preset,
  onClose,
  onSend,
}: {
  kind: string;
  protocol: Protocol;
  preset: Record<string, string>;
  onClose: () => void;
  onSend: (action: CommandAction, payload: Record<string, unknown>, label: string) => void;
}) {
  const spec = ACTIONS[kind]!;
  const form = useActionForm(initialValues(spec, protocol, preset));
  return (
    <ConfirmDialog
      title={`${spec.label}?`}
      onCancel={onClose}
      onConfirm={() => {
        onSend(spec.action(protocol), spec.payload(protocol, form.values), spec.label);
        onClose();
      }}
    >
      <ActionFields spec={spec} protocol={protocol} form={form} />
    </ConfirmDialog>
  );
}

function Configuration({ chargePointId, protocol }: { chargePointId: string; protocol: Protocol }) {
  const reader = useCommand(chargePointId);
  const changer = useCommand(chargePointId);
  const [component, setComponent] = useState("OCPPCommCtrlr");
  const [variable, setVariable] = useState("HeartbeatInterval");
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [confirming, setConfirming] = useState(false);
  const read = () =>
    void (protocol === "1.6"
      ? reader.send("GetConfiguration", {}, "Read configuration")
      : reader.send(
          "GetVariables",
          { getVariableData: [{ component: { name: component }, variable: { name: variable } }] },
          "Read variable",
        ));
  const change = () =>
    void (protocol === "1.6"
      ? changer.send("ChangeConfiguration", { key, value }, "Change configuration")
      : changer.send(
          "SetVariables",
          { setVariableData: [{ component: { name: component }, variable: { name: variable }, attributeValue: value }] },
          "Change configuration",
        ));
  const result = reader.run?.command?.status === "answered" ? reader.run.command.result : null;
  const keys = (result?.configurationKey ?? []) as { key: string; value?: string; readonly: boolean }[];
  const variables = (result?.getVariableResult ?? []) as {
    attributeStatus: string;
    attributeValue?: string;
    component: { name: string };
    variable: { name: string };
  }[];
  return (
    <section className="card">
      <h2>Configuration</h2>
      {protocol === "2.0.1" ? (
        <div className="filters">
          <label>
            Component
            <input value={component} onChange={(e) => setComponent(e.target.value)} />
          </label>
          <label>
            Variable
            <input value={variable} onChange={(e) => setVariable(e.target.value)} />
          </label>
        </div>
      ) : null}
      <button type="button" className="button" onClick={read}>
        {protocol === "1.6" ? "Read configuration" : "Read variable"}
      </button>
      {reader.run && reader.run.command?.status !== "answered" ? <CommandOutcome run={reader.run} /> : null}
      {keys.length > 0 ? (
        <table>
          <caption>Configuration keys</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">Read-only</th>
              <th scope="col">
                <span className="visually-hidden">Change</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.key}>
                <td>{k.key}</td>
                <td>{k.value ?? "—"}</td>
                <td>{k.readonly ? "yes" : "no"}</td>
                <td>
                  {k.readonly ? null : (
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`Edit ${k.key}`}
                      onClick={() => {
                        setKey(k.key);
                        setValue(k.value ?? "");
                      }}
                    >
                      Edit
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {variables.length > 0 ? (
        <table>
          <caption>Variables</caption>
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col">Variable</th>
              <th scope="col">Status</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {variables.map((v) => (
              <tr key={`${v.component.name}.${v.variable.name}`}>
                <td>{v.component.name}</td>
                <td>{v.variable.name}</td>
                <td>{v.attributeStatus}</td>
                <td>{v.attributeValue ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <h3>Change</h3>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setConfirming(true);
        }}
      >
        {protocol === "1.6" ? (
          <label>
            Key
            <input value={key} required onChange={(e) => setKey(e.target.value)} />
          </label>
        ) : null}
        <label>
          New value
          <input value={value} required onChange={(e) => setValue(e.target.value)} />
        </label>
        <button type="submit" className="button">
          Change configuration
        </button>
      </form>
      {changer.run ? <CommandOutcome run={changer.run} /> : null}
      {confirming ? (
        <ConfirmDialog
          title="Change configuration?"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            change();
          }}
        >
          <p>
            Set <strong>{protocol === "1.6" ? key : `${component}.${variable}`}</strong> to <strong>{value}</strong>.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

export function ChargerDetailPage() {
  const chargePointId = useParams().chargePointId ?? "";
  const path = { chargePointId };
  const [dialog, setDialog] = useState<string | null>(null);
  const commands = useCommand(chargePointId);
  const poll = usePolling(
    async (signal) => {
      const [charger, active] = await Promise.all([
        call(api().GET("/api/chargers/{chargePointId}", { params: { path }, signal })),
        filledPage(
          (cursor, limit) =>
            call(api().GET("/api/sessions", { params: { query: { chargePointId, status: "active", limit, cursor } }, signal })),
          null,
          1,
        ),
      ]);
      return { charger, active: active.items };
    },
    `charger:${chargePointId}`,
    LIST_POLL,
  );
  const history = usePolling(
    (signal) =>
      call(api().GET("/api/chargers/{chargePointId}/commands", { params: { path, query: { limit: 20 } }, signal })),
    `history:${chargePointId}`,
    LIST_POLL,
  );
  const charger = poll.data?.charger;
  const protocol = charger ? protocolOf(charger) : "1.6";
  const activeTx = poll.data?.active[0]?.transactionId ?? "";
  return (
    <>
      <PageHeader title={`Charger ${chargePointId}`}>
        <LiveStatus poll={poll} />
      </PageHeader>
      <p>
        <Link to="/chargers">All chargers</Link>
      </p>
      <ErrorAlert error={poll.error} />
      {charger ? (
        <>
          <div className="cards">
            <section className="card">
              <h2>Status</h2>
              <p>
                <StateBadge state={charger.state} /> {charger.online ? "Connected" : "Not connected"}
              </p>
              <dl className="facts">
                <dt>Connected since</dt>
                <dd>{formatDateTime(charger.connectedAt)}</dd>
                <dt>Disconnected at</dt>
                <dd>{formatDateTime(charger.disconnectedAt)}</dd>
                <dt>Registration</dt>
                <dd>{charger.registrationStatus}</dd>
                <dt>Tags</dt>
                <dd data-testid="charger-tags">{charger.tags.length > 0 ? charger.tags.join(", ") : "—"}</dd>
                <dt>Active session</dt>
                <dd>
                  {activeTx ? (
                    <Link to={`/sessions/${encodeURIComponent(chargePointId)}/${encodeURIComponent(activeTx)}`}>{activeTx}</Link>
                  ) : (
                    "none"
                  )}
                </dd>
              </dl>
            </section>
            <section className="card">
              <h2>Boot info</h2>
              <dl className="facts">
                <dt>Vendor</dt>
                <dd>{charger.vendor ?? "—"}</dd>
                <dt>Model</dt>
                <dd>{charger.model ?? "—"}</dd>
                <dt>Firmware</dt>
                <dd>{charger.firmwareVersion ?? "—"}</dd>
                <dt>Protocol</dt>
                <dd>{charger.protocol ?? "—"}</dd>
                <dt>Serial number</dt>
                <dd>{charger.serialNumber ?? "—"}</dd>
                <dt>Last boot</dt>
                <dd>{formatDateTime(charger.lastBootAt)}</dd>
                <dt>Boot reason</dt>
                <dd>{charger.bootReason ?? "—"}</dd>
              </dl>
            </section>
          </div>
          <section className="card">
            <h2>Connectors</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">EVSE</th>
                  <th scope="col">Connector</th>
                  <th scope="col">Status</th>
                  <th scope="col">Error</th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {charger.connectors.map((c) => (
                  <tr key={`${c.evseId ?? ""}-${c.connectorId}`}>
                    <td>{c.evseId ?? "—"}</td>
                    <td>{c.connectorId}</td>
                    <td>
                      <StateBadge state={c.status} testId="connector-status" />
                    </td>
                    <td>{c.errorCode && c.errorCode !== "NoError" ? c.errorCode : "—"}</td>
                    <td>{formatDateTime(c.timestamp)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {charger.connectors.length === 0 ? <p>No connector has reported a status yet.</p> : null}
          </section>
          <section className="card">
            <h2>Actions</h2>
            <div className="actions">
              {Object.entries(ACTIONS).map(([kind, spec]) => (
                <button key={kind} type="button" className="button" onClick={() => setDialog(kind)}>
                  {spec.label}
                </button>
              ))}
            </div>
            {commands.run ? <CommandOutcome run={commands.run} /> : null}
          </section>
          {dialog ? (
            <ActionDialog
              kind={dialog}
              protocol={protocol}
              preset={{ transactionId: activeTx }}
              onClose={() => setDialog(null)}
              onSend={(action, payload, label) => {
                void commands.send(action, payload, label).then(() => history.refresh());
              }}
            />
          ) : null}
          <Configuration chargePointId={chargePointId} protocol={protocol} />
          <ChargerFirmware chargePointId={chargePointId} />
          <ChargerDiagnostics chargePointId={chargePointId} protocol={protocol} />
          <section className="card">
            <h2>Command history</h2>
            <ErrorAlert error={history.error} />
            <CommandTable commands={history.data?.items ?? []} />
          </section>
        </>
      ) : null}
    </>
  );
}
