/** Small SVG charts. Every data point is one SVG element carrying `data-point` (a test counts
 * them against the API's answer); each chart is an image with an accessible name. */

const WIDTH = 560;
const PAD = { top: 16, right: 64, bottom: 36, left: 72 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
}

export interface Bar {
  key: string;
  label: string;
  value: number;
}

export function BarChart({
  title,
  bars,
  format,
  height = 220,
}: {
  title: string;
  bars: Bar[];
  format: (value: number) => string;
  height?: number;
}) {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const slot = bars.length ? plotW / bars.length : plotW;
  const barW = Math.max(1, slot * 0.7);
  const labelEvery = Math.max(1, Math.ceil(bars.length / 8));
  const total = bars.reduce((sum, b) => sum + b.value, 0);
  return (
    <figure className="chart">
      <svg
        role="img"
        aria-label={`${title}: ${bars.length} bars, total ${format(total)}`}
        viewBox={`0 0 ${WIDTH} ${height}`}
        preserveAspectRatio="xMidYMid meet"
      >
        {[0, 0.5, 1].map((f) => {
          const y = PAD.top + plotH * (1 - f);
          return (
            <g key={f} className="axis">
              <line x1={PAD.left} x2={PAD.left + plotW} y1={y} y2={y} className="grid" />
              <text x={PAD.left - 8} y={y + 4} textAnchor="end">
                {format(max * f)}
              </text>
            </g>
          );
        })}
        {bars.map((bar, i) => {
          const h = (bar.value / max) * plotH;
          const x = PAD.left + i * slot + (slot - barW) / 2;
          return (
            <g key={bar.key}>
              <rect
                className="bar"
                data-point=""
                data-period={bar.key}
                data-value={bar.value}
                x={x}
                y={PAD.top + plotH - h}
                width={barW}
                height={h}
              >
                <title>{`${bar.label}: ${format(bar.value)}`}</title>
              </rect>
              {i % labelEvery === 0 ? (
                <text className="axis" x={x + barW / 2} y={height - PAD.bottom + 16} textAnchor="middle">
                  {bar.label}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

export interface CurvePoint {
  at: string;
  energyWh: number;
  powerW: number | null;
}

/** A session's delivered energy (line with a marker per point) and mean power (dashed). */
export function CurveChart({ title, points, height = 260 }: { title: string; points: CurvePoint[]; height?: number }) {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const times = points.map((p) => new Date(p.at).getTime());
  const t0 = times.length ? Math.min(...times) : 0;
  const t1 = times.length ? Math.max(...times) : 1;
  const span = t1 - t0 || 1;
  const maxWh = niceMax(Math.max(0, ...points.map((p) => p.energyWh)));
  const maxW = niceMax(Math.max(0, ...points.map((p) => p.powerW ?? 0)));
  const x = (t: number) => PAD.left + ((t - t0) / span) * plotW;
  const yWh = (wh: number) => PAD.top + plotH * (1 - wh / maxWh);
  const yW = (w: number) => PAD.top + plotH * (1 - w / maxW);
  const energyPath = points.map((p, i) => `${i ? "L" : "M"}${x(times[i] ?? t0)},${yWh(p.energyWh)}`).join(" ");
  const powerPath = points
    .map((p, i) => (p.powerW === null ? null : `${x(times[i] ?? t0)},${yW(p.powerW)}`))
    .filter((s): s is string => s !== null)
    .map((s, i) => `${i ? "L" : "M"}${s}`)
    .join(" ");
  // Seconds on the axis when the session is too short for distinct minutes.
  const withSeconds = span < 10 * 60_000;
  const time = (t: number) =>
    new Date(t).toLocaleTimeString("en-GB", {
      hour: "2-digit",
      minute: "2-digit",
      ...(withSeconds ? { second: "2-digit" } : {}),
      hour12: false,
    });
  const kwh = (wh: number) => `${(wh / 1000).toLocaleString("en-GB", { maximumFractionDigits: 2 })} kWh`;
  const kw = (w: number) => `${(w / 1000).toLocaleString("en-GB", { maximumFractionDigits: 1 })} kW`;
  const last = points[points.length - 1];
  return (
    <figure className="chart">
      <svg
        role="img"
        aria-label={`${title}: ${points.length} points${last ? `, ${kwh(last.energyWh)} delivered` : ""}`}
        viewBox={`0 0 ${WIDTH} ${height}`}
        preserveAspectRatio="xMidYMid meet"
      >
        {[0, 0.5, 1].map((f) => {
          const y = PAD.top + plotH * (1 - f);
          return (
            <g key={f} className="axis">
              <line x1={PAD.left} x2={PAD.left + plotW} y1={y} y2={y} className="grid" />
              <text x={PAD.left - 8} y={y + 4} textAnchor="end">{kwh(maxWh * f)}</text>
              <text x={PAD.left + plotW + 8} y={y + 4} textAnchor="start">{kw(maxW * f)}</text>
            </g>
          );
        })}
        {[t0, t0 + span / 2, t1].map((t, i) => (
          <text key={i} className="axis" x={x(t)} y={height - PAD.bottom + 16} textAnchor="middle">
            {time(t)}
          </text>
        ))}
        {powerPath ? <path className="line-power" d={powerPath} /> : null}
        <path className="line-energy" d={energyPath} />
        {points.map((p, i) => (
          <circle
            key={`${p.at}-${i}`}
            className="dot-energy"
            data-point=""
            data-at={p.at}
            data-energy-wh={p.energyWh}
            data-power-w={p.powerW ?? ""}
            cx={x(times[i] ?? t0)}
            cy={yWh(p.energyWh)}
            r={3.5}
          >
            <title>{`${time(times[i] ?? t0)}: ${kwh(p.energyWh)}${p.powerW === null ? "" : `, ${kw(p.powerW)}`}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption>
        {title} — <span className="legend-energy">solid: energy delivered (left axis)</span>,{" "}
        <span className="legend-power">dashed: mean power (right axis)</span>
      </figcaption>
    </figure>
  );
}
