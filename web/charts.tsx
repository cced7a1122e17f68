/**
 * The last hour in four uPlot charts, one point per minute: requests/s by status, time to first
 * token p50/p95 per backend, tokens/s per backend, and the queue's depth. uPlot draws on canvas;
 * each chart carries a text summary for screen readers.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import { serverNow, type State } from "./store.ts";
import type { Point } from "./types.ts";

interface Line {
  readonly label: string;
  readonly color: string;
  readonly dash?: number[];
  readonly values: Array<number | null>;
}

interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly lines: Line[];
}

/** Colour-blind-safe hues that keep their contrast on light and dark panels (Okabe–Ito). */
const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#999999"];
const STATUS = { ok: "#2da44e", client: "#d4a72c", server: "#e5534b" };

export function Charts({ state }: { state: State }) {
  const points = state.series;
  const x = points.map((p) => p.t / 1000);
  const backends = [...new Set(points.flatMap((p) => Object.keys(p.backends)))].sort();
  const specs: ChartSpec[] = [
    {
      id: "rps",
      title: "Requests per second",
      unit: "req/s",
      lines: [
        line("2xx–3xx", STATUS.ok, points, (p) => p.ok / p.seconds),
        line("4xx", STATUS.client, points, (p) => p.client_error / p.seconds),
        line("5xx", STATUS.server, points, (p) => p.server_error / p.seconds),
      ],
    },
    {
      id: "ttft",
      title: "Time to first token (p50, p95 dashed)",
      unit: "ms",
      lines: backends.flatMap((b, i) => [
        line(`${b} p50`, color(i), points, (p) => p.backends[b]?.ttft_p50 ?? null),
        line(`${b} p95`, color(i), points, (p) => p.backends[b]?.ttft_p95 ?? null, [6, 4]),
      ]),
    },
    {
      id: "tokens",
      title: "Tokens per second (generated)",
      unit: "tok/s",
      lines: backends.map((b, i) =>
        line(b, color(i), points, (p) => (p.backends[b]?.tokens_out ?? 0) / p.seconds)
      ),
    },
    {
      id: "queue",
      title: "Queue depth (most waiting)",
      unit: "requests",
      lines: [line("queued", PALETTE[0]!, points, (p) => p.queue_max)],
    },
  ];
  return (
    <section id="charts" aria-labelledby="charts-title">
      <h2 id="charts-title">Last hour</h2>
      <div class="charts">
        {specs.map((spec) => <Chart key={spec.id} spec={spec} x={x} />)}
      </div>
    </section>
  );
}

function line(
  label: string,
  color: string,
  points: Point[],
  value: (p: Point) => number | null,
  dash?: number[],
): Line {
  const values = points.map((p) => {
    const v = value(p);
    return v === null ? null : Math.round(v * 100) / 100;
  });
  return dash ? { label, color, dash, values } : { label, color, values };
}

function color(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

function summary(spec: ChartSpec): string {
  const latest = spec.lines
    .map((l) => [l.label, l.values[l.values.length - 1]] as const)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([label, v]) => `${label} ${v}`);
  return `${spec.title}, last hour by minute, in ${spec.unit}. ` +
    (latest.length ? `Latest minute: ${latest.join(", ")}.` : "No data yet.");
}

function Chart({ spec, x }: { spec: ChartSpec; x: number[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = spec.lines.map((l) => l.label).join("|");
  useEffect(() => {
    const element = box.current!;
    const make = () => {
      plot.current?.destroy();
      plot.current = new uPlot(options(spec, element.clientWidth), data(spec, x), element);
    };
    make();
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: element.clientWidth, height: HEIGHT })
    );
    resize.observe(element);
    const scheme = matchMedia("(prefers-color-scheme: dark)");
    scheme.addEventListener("change", make);
    return () => {
      resize.disconnect();
      scheme.removeEventListener("change", make);
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [shape]);
  useEffect(() => {
    plot.current?.setData(data(spec, x));
  });
  return (
    <figure class="chart">
      <figcaption>{spec.title}</figcaption>
      <div ref={box} class="plot" role="img" aria-label={summary(spec)} />
    </figure>
  );
}

const HEIGHT = 160;

function data(spec: ChartSpec, x: number[]): uPlot.AlignedData {
  return [x, ...spec.lines.map((l) => l.values)] as uPlot.AlignedData;
}

function options(spec: ChartSpec, width: number): uPlot.Options {
  const style = getComputedStyle(document.documentElement);
  const text = style.getPropertyValue("--muted").trim() || "#57606a";
  const grid = style.getPropertyValue("--grid").trim() || "#d0d7de";
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
  return {
    width: Math.max(200, width),
    height: HEIGHT,
    cursor: { drag: { x: false, y: false } },
    legend: { show: true, live: false },
    scales: {
      x: {
        time: true,
        range: () => {
          const now = serverNow() / 1000;
          return [now - 3600, now];
        },
      },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
    },
    axes: [axis, { ...axis, size: 48, label: spec.unit, labelSize: 14 }],
    series: [
      {},
      ...spec.lines.map((l) => ({
        label: l.label,
        stroke: l.color,
        width: 2,
        spanGaps: false,
        points: { show: true, size: 4 },
        ...(l.dash ? { dash: l.dash } : {}),
      })),
    ],
  };
}
