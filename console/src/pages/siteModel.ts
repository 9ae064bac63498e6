/** A site's electrical model as the console shows and edits it (docs/smart-charging.md "Sites
 * and circuits"): the tree of nodes, the editable JSON text, the starting point of a new model. */

import type { Answer, Schemas } from "../api/client";

export type ElectricalNode = Schemas["ElectricalNodeBody"];
export type ElectricalEvse = Schemas["ElectricalEvseBody"];
export type ElectricalModel = Schemas["ElectricalModelView"];
export type SiteAllocation = Schemas["SiteAllocationBody"];
export type LocationAnswer = Answer<"/api/locations/{locationId}">;
export type Phase = "L1" | "L2" | "L3";
export const PHASES: Phase[] = ["L1", "L2", "L3"];

export interface TreeNode {
  node: ElectricalNode;
  depth: number;
  children: TreeNode[];
  evses: ElectricalEvse[];
}

/** The nodes as a tree from the grid connection (the node without a parent). A stored model
 * has exactly one root; nodes that hang from an unknown parent are shown as roots too, so that
 * nothing of a model is hidden. */
export function modelTree(nodes: ElectricalNode[], evses: ElectricalEvse[]): TreeNode[] {
  const known = new Set(nodes.map((n) => n.id));
  const byId = new Map<string, TreeNode>();
  for (const node of nodes) byId.set(node.id, { node, depth: 0, children: [], evses: [] });
  const roots: TreeNode[] = [];
  for (const node of nodes) {
    const item = byId.get(node.id);
    if (!item) continue;
    const parent = node.parent && known.has(node.parent) ? byId.get(node.parent) : undefined;
    if (parent) parent.children.push(item);
    else roots.push(item);
  }
  for (const evse of evses) byId.get(evse.node)?.evses.push(evse);
  const setDepth = (item: TreeNode, depth: number, seen: Set<string>) => {
    if (seen.has(item.node.id)) return;
    seen.add(item.node.id);
    item.depth = depth;
    for (const child of item.children) setDepth(child, depth + 1, seen);
  };
  const seen = new Set<string>();
  for (const root of roots) setDepth(root, 0, seen);
  return roots;
}

/** Depth-first, the order the tree reads in. */
export function flatten(roots: TreeNode[]): TreeNode[] {
  const out: TreeNode[] = [];
  const seen = new Set<string>();
  const walk = (item: TreeNode) => {
    if (seen.has(item.node.id)) return;
    seen.add(item.node.id);
    out.push(item);
    item.children.forEach(walk);
  };
  roots.forEach(walk);
  return out;
}

function withoutNulls(item: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([, value]) => value !== null && value !== undefined));
}

function listText(items: object[]): string {
  if (items.length === 0) return "[]";
  return `[\n${items.map((item) => `    ${JSON.stringify(withoutNulls(item))}`).join(",\n")}\n  ]`;
}

/** The text the editor starts from: the PUT body (revision, nodes, evses), one node or EVSE per
 * line. It carries the revision it was read at, so a save over someone else's edit is a 409. */
export function modelText(model: { revision?: number | null; nodes: object[]; evses: object[] }): string {
  const revision = model.revision ? `  "revision": ${model.revision},\n` : "";
  return `{\n${revision}  "nodes": ${listText(model.nodes)},\n  "evses": ${listText(model.evses)}\n}\n`;
}

/** A first model for a location without one: a 63 A grid connection with every EVSE the
 * location binds to a charger hanging from it (to be edited before it is saved). */
export function starterModel(location: LocationAnswer | undefined): { nodes: object[]; evses: object[] } {
  const evses = (location?.location.evses ?? []).flatMap((evse) => {
    const charger = evse.charger;
    const number = charger?.evseId ?? charger?.connectorId;
    if (!charger || number === null || number === undefined) return [];
    return [{ id: evse.uid, node: "grid", chargePointId: charger.chargePointId, evseId: number }];
  });
  return { nodes: [{ id: "grid", maxCurrent: { L1: 63, L2: 63, L3: 63 } }], evses };
}

/** The JSON text parsed, or why it cannot be. */
export function parseModel(text: string): { body: Schemas["ElectricalModelBody"] } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { error: `The text is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { error: 'The model must be a JSON object with "nodes" and "evses".' };
  }
  return { body: parsed as Schemas["ElectricalModelBody"] };
}

export function amps(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return `${value.toLocaleString("en-GB", { maximumFractionDigits: 1 })} A`;
}

export function kilowatts(watts: number): string {
  return `${(watts / 1000).toLocaleString("en-GB", { maximumFractionDigits: 1 })} kW`;
}

/** "63 A per phase", or each phase's limit when they differ. */
export function currentLimit(limit: Schemas["PhaseCurrentsBody"] | null | undefined): string {
  if (!limit) return "no current limit";
  if (limit.L1 === limit.L2 && limit.L2 === limit.L3) return `${amps(limit.L1)} per phase`;
  return PHASES.map((p) => `${p} ${amps(limit[p])}`).join(", ");
}

export type LoadHistory = Schemas["SiteLoadHistoryView"];
export type NodeLoad = Schemas["NodeLoadView"];
export type PhaseCurrents = Schemas["PhaseCurrentsBody"];

/** The phases on which a node's load is above its current limit (none without a limit). */
export function overPhases(load: PhaseCurrents, limit: PhaseCurrents | null | undefined): Phase[] {
  if (!limit) return [];
  return PHASES.filter((p) => load[p] > limit[p] + 1e-9);
}

/** The nodes an `overloaded` entry of the allocation names (`grid/L1`, `c1/power`). */
export function overloadedNodes(overloaded: string[]): Map<string, string[]> {
  const byNode = new Map<string, string[]>();
  for (const entry of overloaded) {
    const cut = entry.lastIndexOf("/");
    const node = cut > 0 ? entry.slice(0, cut) : entry;
    const what = cut > 0 ? entry.slice(cut + 1) : "limit";
    byNode.set(node, [...(byNode.get(node) ?? []), what]);
  }
  return byNode;
}

export interface NodeSeriesPoint {
  at: number;
  load: PhaseCurrents;
  limit: PhaseCurrents | null;
}

/** One node's samples of the history, oldest first (samples without the node left out). */
export function nodeSeries(history: LoadHistory | undefined, nodeId: string): NodeSeriesPoint[] {
  if (!history) return [];
  return history.samples.flatMap((sample) => {
    const node = sample.nodes.find((n) => n.id === nodeId);
    return node ? [{ at: new Date(sample.at).getTime(), load: node.loadA, limit: node.limitA ?? null }] : [];
  });
}

/** A bar's width in percent of the limit, 0..100. */
export function share(load: number, limit: number | null | undefined): number {
  if (!limit || limit <= 0) return 0;
  return Math.max(0, Math.min(100, (load / limit) * 100));
}
