/** TEMPORARY: the endpoints the API gains for the console, as agreed, until they are in
 * openapi.json. Deleted once the client is regenerated from the merged API. */

import type { components, paths } from "./schema";

type Ok<T> = { 200: { headers: { [name: string]: unknown }; content: { "application/json": T } } };
type Op<Q, P, T> = {
  parameters: ([Q] extends [never] ? { query?: never } : { query?: Q }) & { header?: never; cookie?: never } &
    ([P] extends [never] ? { path?: never } : { path: P });
  requestBody?: never;
  responses: Ok<T>;
};
type Item<Ops> = {
  parameters: { query?: never; header?: never; path?: never; cookie?: never };
  get: Ops;
};

type ChargerState =
  | "available" | "occupied" | "charging" | "faulted" | "unavailable" | "offline" | "unknown";

type ChargerListItem = components["schemas"]["ChargerSummary"] & {
  state: ChargerState;
  locationId: string | null;
  connectors: components["schemas"]["ConnectorView"][];
};

interface PendingPaths {
  "/api/overview": Item<Op<never, never, {
    generatedAt: string;
    chargers: { total: number; byState: Record<ChargerState, number> };
    sessions: { active: number; startedToday: number; energyTodayWh: number };
    recentFaults: {
      chargePointId: string; connectorId: number | null; evseId: number | null; status: string;
      errorCode: string | null; info: string | null; vendorErrorCode: string | null; at: string;
    }[];
  }>>;
  "/api/chargers": Item<Op<{
    limit?: number; cursor?: string | null; registrationStatus?: string | null;
    online?: boolean | null; state?: string | null; locationId?: string | null;
    model?: string | null; vendor?: string | null; q?: string | null;
  }, never, { items: ChargerListItem[]; nextCursor: string | null }>> & {
    post: paths["/api/chargers"]["post"];
  };
  "/api/chargers/{chargePointId}": Item<Op<never, { chargePointId: string },
    components["schemas"]["ChargerView"] & { state: ChargerState }>> & {
    delete: paths["/api/chargers/{chargePointId}"]["delete"];
    patch: paths["/api/chargers/{chargePointId}"]["patch"];
  };
  "/api/chargers/{chargePointId}/commands": Item<Op<{
    limit?: number; cursor?: string | null; action?: string | null; status?: string | null;
  }, { chargePointId: string }, {
    items: components["schemas"]["CommandView"][]; nextCursor: string | null;
  }>>;
  "/api/energy": Item<Op<{
    from?: string; to?: string; granularity?: "day" | "hour";
  }, never, {
    granularity: "day" | "hour"; from: string; to: string;
    items: { period: string; energyWh: number; sessions: number }[];
  }>>;
  "/api/chargers/{chargePointId}/sessions/{transactionId}/meter-values": Item<Op<never, {
    chargePointId: string; transactionId: string;
  }, {
    chargePointId: string; transactionId: string;
    points: { at: string; energyWh: number; powerW: number | null }[];
  }>>;
}

export type AllPaths = Omit<paths, keyof PendingPaths> & PendingPaths;
