/** Send a command without waiting (202), then poll it until the charger's answer is in. */

import { useCallback, useEffect, useRef, useState } from "react";
import { api, call } from "../api/client";
import type { ApiPaths, Schemas } from "../api/client";

export type Command = Schemas["CommandView"];
/** The commands the API can send (either OCPP version), as its OpenAPI document lists them. */
export type CommandAction =
  ApiPaths["/api/chargers/{chargePointId}/commands/{action}"]["post"]["parameters"]["path"]["action"];

export interface CommandRun {
  action: string;
  label?: string;
  phase: "sending" | "waiting" | "done" | "failed";
  command?: Command;
  error?: unknown;
}

const POLL_MS = 1_000;
const GIVE_UP_MS = 90_000;

export function useCommand(chargePointId: string) {
  const [run, setRun] = useState<CommandRun | null>(null);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const send = useCallback(
    async (action: CommandAction, payload: Record<string, unknown>, label?: string): Promise<Command | undefined> => {
      const named = label && label !== action ? `${label} (${action})` : undefined;
      setRun({ action, label: named, phase: "sending" });
      try {
        let command = await call(
          api().POST("/api/chargers/{chargePointId}/commands/{action}", {
            params: { path: { chargePointId, action }, query: { wait: false } },
            body: payload,
          }),
        );
        const started = Date.now();
        while (command.status === "pending" && Date.now() - started < GIVE_UP_MS) {
          if (!alive.current) return undefined;
          setRun({ action, label: named, phase: "waiting", command });
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          command = await call(
            api().GET("/api/chargers/{chargePointId}/commands/{commandId}", {
              params: { path: { chargePointId, commandId: command.commandId } },
            }),
          );
        }
        if (alive.current) setRun({ action, label: named, phase: "done", command });
        return command;
      } catch (error) {
        if (alive.current) setRun({ action, label: named, phase: "failed", error });
        return undefined;
      }
    },
    [chargePointId],
  );
  return { run, send, clear: () => setRun(null) };
}
