/** The site's grid connection and circuits as a tree: each node's limits and, per phase, the
 * load the last allocation permits on it as a bar against the limit (over the limit: marked in
 * text, not only in colour). */

import { share, overPhases, PHASES, currentLimit, amps, kilowatts, type TreeNode, type NodeLoad } from "./siteModel";

function PhaseBars({ load, node }: { load: NodeLoad | undefined; node: TreeNode["node"] }) {
  if (!load) return <p className="muted">No load allocated yet.</p>;
  const limit = node.maxCurrent ?? null;
  const over = overPhases(load.loadA, limit);
  return (
    <ul className="phase-bars" aria-label={`Load on ${node.id} per phase`}>
      {PHASES.map((phase) => {
        const value = load.loadA[phase];
        const max = limit?.[phase];
        const isOver = over.includes(phase);
        return (
          <li key={phase} className={isOver ? "phase over" : "phase"} data-node={node.id} data-phase={phase} data-load={value} data-over={isOver ? "true" : "false"}>
            <span className="phase-name">{phase}</span>
            <span className="phase-track" aria-hidden="true">
              <span className="phase-fill" style={{ width: `${max ? share(value, max) : 0}%` }} />
            </span>
            <span className="phase-value">
              {amps(value)}
              {max !== undefined ? ` of ${amps(max)}` : ""}
              {isOver ? <strong className="text-bad"> over the limit</strong> : null}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

function NodeItem({ item, loads, overloaded }: { item: TreeNode; loads: Map<string, NodeLoad>; overloaded: Map<string, string[]> }) {
  const { node } = item;
  const flagged = overloaded.get(node.id);
  return (
    <li className="site-node" data-node={node.id}>
      <div className="site-node-head">
        <strong>{node.id}</strong>
        <span className="muted">
          {item.depth === 0 ? "grid connection" : "circuit"} · {currentLimit(node.maxCurrent)}
          {node.maxPowerW ? ` · at most ${kilowatts(node.maxPowerW)}` : ""}
          {item.evses.length ? ` · ${item.evses.length} EVSE${item.evses.length === 1 ? "" : "s"}` : ""}
        </span>
        {flagged ? <span className="badge badge-bad">over-subscribed: {flagged.join(", ")}</span> : null}
      </div>
      <PhaseBars load={loads.get(node.id)} node={node} />
      {item.children.length ? (
        <ul className="site-tree-children">
          {item.children.map((child) => (
            <NodeItem key={child.node.id} item={child} loads={loads} overloaded={overloaded} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function SiteTree({ roots, loads, overloaded }: { roots: TreeNode[]; loads: NodeLoad[]; overloaded: Map<string, string[]> }) {
  const byId = new Map(loads.map((l) => [l.id, l]));
  return (
    <ul className="site-tree" aria-label="Grid connection and circuits">
      {roots.map((root) => (
        <NodeItem key={root.node.id} item={root} loads={byId} overloaded={overloaded} />
      ))}
    </ul>
  );
}
