/** Lists the filters choose from (first page of 100: enough for a select; search covers more). */
import { api, call } from "./api/client";

export async function siteOptions(signal: AbortSignal) {
  const page = await call(api().GET("/api/locations", { params: { query: { limit: 100 } }, signal }));
  return page.items.map((l) => ({ id: l.locationId, name: l.name }));
}

export async function chargerOptions(signal: AbortSignal) {
  const page = await call(api().GET("/api/chargers", { params: { query: { limit: 100 } }, signal }));
  return page.items.map((c) => c.chargePointId);
}
