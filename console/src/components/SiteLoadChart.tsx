/** A node's load per phase over time with its limit, as an SVG line chart (ADR 0033: our own
 * SVG, readable by tests and screen readers). One `data-point` column per sample carries its
 * time and values; minutes over the limit are marked on the time axis. On the grid connection
 * the grid limit in force is drawn dotted from when the signal that sets it began (what came
 * before is not kept). */

import { useEffect, useState } from "react";
import { PHASES, type NodeSeriesPoint, type Phase, overPhases } from "../pages/siteModel";

// Drawn narrower on a phone, so that its labels keep a readable size once scaled to the screen.
const NARROW = "(max-width: 40rem)";

function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia(NARROW).matches);
  useEffect(() => {
    const query = window.matchMedia(NARROW);
    const changed = () => setNarrow(query.matches);
    query.addEventListener("change", changed);
    return () => query.removeEventListener("change", changed);
  }, []);
  return narrow;
}
const PAD = { top: 16, right: 16, bottom: 40, left: 56 };
const PHASE_CLASS: Record<Phase, string> = { L1: "phase-l1", L2: "phase-l2", L3: "phase-l3" };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
}

function amps(value: number): string {
  return `${value.toLocaleString("en-GB", { maximumFractionDigits: 1 })} A`;
}

function time(t: number, withDay: boolean): string {
  return new Date(t).toLocaleString("en-GB", {
    ...(withDay ? { day: "2-digit", month: "short" } : {}),
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
}

/** A step path: a value holds until the next sample (an allocation holds until the next one). */
function stepPath(points: { x: number; y: number }[], endX: number): string {
  if (points.length === 0) return "";
  const parts = points.map((p, i) => {
    const next = points[i + 1];
    return `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)} L${(next ? next.x : endX).toFixed(1)},${p.y.toFixed(1)}`;
  });
  return parts.join(" ");
}

/** The grid's limit in force now per phase (null: none on that phase), and since when. */
export type GridLine = { since: number; limit: Record<Phase, number | null> };

export function SiteLoadChart({
  title,
  points,
  from,
  to,
  stepMinutes,
  grid = null,
  height: tallest = 280,
}: {
  title: string;
  points: NodeSeriesPoint[];
  from: number;
  to: number;
  stepMinutes: number;
  grid?: GridLine | null;
  height?: number;
}) {
  const narrow = useNarrow();
  const WIDTH = narrow ? 360 : 640;
  const height = narrow ? Math.round(tallest * 0.85) : tallest;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const span = Math.max(1, to - from);
  const gridValues = grid ? PHASES.map((ph) => grid.limit[ph]).filter((v): v is number => v !== null) : [];
  const gridSame = gridValues.every((v) => v === gridValues[0]);
  const gridText =
    grid && gridValues.length
      ? `the grid limit in force (${
          gridSame ? amps(gridValues[0]!) : PHASES.map((ph) => `${ph} ${grid.limit[ph] === null ? "none" : amps(grid.limit[ph])}`).join(", ")
        }) since ${time(grid.since, true)}`
      : "";
  const highest = Math.max(
    0,
    ...points.flatMap((p) => [...PHASES.map((ph) => p.load[ph]), ...(p.limit ? PHASES.map((ph) => p.limit![ph]) : [])]),
    ...gridValues,
  );
  const max = niceMax(highest * 1.05);
  const x = (t: number) => PAD.left + Math.max(0, Math.min(1, (t - from) / span)) * plotW;
  const y = (a: number) => PAD.top + plotH * (1 - a / max);
  // An allocation holds until the next one; the last one until now.
  const endOf = (i: number) => Math.min(to, points[i + 1]?.at ?? to);
  const lastEnd = x(to);
  // The limit: one line while the phases share it, one per phase otherwise.
  const sameLimit = points.every((p) => !p.limit || (p.limit.L1 === p.limit.L2 && p.limit.L2 === p.limit.L3));
  const limitPhases: Phase[] = sameLimit ? ["L1"] : PHASES;
  const withDay = span > 24 * 3_600_000;
  const over = points.map((p) => overPhases(p.load, p.limit));
  const overCount = over.filter((o) => o.length > 0).length;
  // The peak, for the chart's accessible name: what a glance at the lines tells.
  let peak: { at: number; phase: Phase; value: number } | null = null;
  for (const p of points) {
    for (const phase of PHASES) if (!peak || p.load[phase] > peak.value) peak = { at: p.at, phase, value: p.load[phase] };
  }
  const peakText = peak ? `, peak ${amps(peak.value)} on ${peak.phase} at ${time(peak.at, true)}` : "";
  return (
    <figure className="chart site-load-chart">
      <svg
        role="img"
        aria-label={`${title}: ${points.length} samples${peakText}${overCount ? `, ${overCount} over the limit` : ", never over the limit"}${gridText ? `; ${gridText}` : ""}`}
        viewBox={`0 0 ${WIDTH} ${height}`}
        preserveAspectRatio="xMidYMid meet"
      >
        {[0, 0.25, 0.5, 0.75, 1].map((f) => {
          const yy = PAD.top + plotH * (1 - f);
          return (
            <g key={f} className="axis">
              <line x1={PAD.left} x2={PAD.left + plotW} y1={yy} y2={yy} className="grid" />
              <text x={PAD.left - 6} y={yy + 4} textAnchor="end">
                {amps(max * f)}
              </text>
            </g>
          );
        })}
        {(narrow ? [from, to] : [from, from + span / 2, to]).map((t, i, ticks) => (
          <text key={i} className="axis" x={x(t)} y={height - PAD.bottom + 18} textAnchor={i === 0 ? "start" : i === ticks.length - 1 ? "end" : "middle"}>
            {time(t, withDay)}
          </text>
        ))}
        {points.map((p, i) =>
          over[i]!.length ? (
            <rect key={`over-${p.at}`} className="over-limit" shapeRendering="crispEdges" x={x(p.at)} y={PAD.top} width={Math.max(2, x(endOf(i)) - x(p.at))} height={plotH} />
          ) : null,
        )}
        {PHASES.map((phase) => (
          <path
            key={phase}
            className={`load-line ${PHASE_CLASS[phase]}`}
            d={stepPath(
              points.map((p) => ({ x: x(p.at), y: y(p.load[phase]) })),
              lastEnd,
            )}
          />
        ))}
        {limitPhases.map((phase) => {
          const limited = points.filter((p) => p.limit);
          if (!limited.length) return null;
          const path = stepPath(
            limited.map((p) => ({ x: x(p.at), y: y(p.limit![phase]) })),
            lastEnd,
          );
          return <path key={`limit-${phase}`} className={`limit-line ${sameLimit ? "" : PHASE_CLASS[phase]}`} d={path} data-limit={phase} />;
        })}
        {grid && gridValues.length
          ? PHASES.filter((ph) => grid.limit[ph] !== null)
              .filter((_, i) => !gridSame || i === 0).map((phase) => {
              const value = grid.limit[phase]!;
              const start = x(Math.max(from, grid.since));
              return (
                <path
                  key={`grid-${phase}`}
                  className={`grid-limit-line ${gridSame ? "" : PHASE_CLASS[phase]}`}
                  data-grid-limit={value}
                  d={`M${start.toFixed(1)},${y(value).toFixed(1)} L${lastEnd.toFixed(1)},${y(value).toFixed(1)}`}
                />
              );
            })
          : null}
        {points.map((p, i) => (
          <rect
            key={p.at}
            className="sample"
            data-point=""
            data-at={new Date(p.at).toISOString()}
            data-l1={p.load.L1}
            data-l2={p.load.L2}
            data-l3={p.load.L3}
            data-limit={p.limit ? `${p.limit.L1},${p.limit.L2},${p.limit.L3}` : ""}
            data-over={over[i]!.join(",")}
            x={x(p.at)}
            y={PAD.top}
            width={Math.max(1, x(endOf(i)) - x(p.at))}
            height={plotH}
          >
            <title>
              {`${time(p.at, true)}: ${PHASES.map((ph) => `${ph} ${amps(p.load[ph])}`).join(", ")}${
                p.limit ? ` (limit ${PHASES.map((ph) => amps(p.limit![ph])).join(" / ")})` : ""
              }${over[i]!.length ? ` — over the limit on ${over[i]!.join(", ")}` : ""}`}
            </title>
          </rect>
        ))}
      </svg>
      <figcaption>
        {title} — <span className="legend-l1">L1 (widest)</span>, <span className="legend-l2">L2</span>,{" "}
        <span className="legend-l3">L3 (thinnest)</span> allocated load; <span className="legend-limit">dashed: the limit</span>
        {gridText ? (
          <>
            ; <span className="legend-grid">dotted: {gridText}</span>
          </>
        ) : null}
        {overCount ? (
          <>
            ; <span className="legend-over">shaded: over the limit</span>
          </>
        ) : null}
        {stepMinutes > 1 ? `; each point is the peak of ${stepMinutes} minutes` : ""}
      </figcaption>
    </figure>
  );
}
