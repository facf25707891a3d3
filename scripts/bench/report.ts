// Aggregates the paired rounds of `npm run bench` and prints them: per target (all rounds pooled)
// and the gateway against the pass-through (median of the per-round differences and ratios), with
// the targets next to the numbers. The targets are printed, never enforced.
import { median, percentile, round, sum } from "./stats.ts";

export type Mode = "plain" | "stream";
export type TargetName = "direct" | "pass-through" | "gateway";
export const TARGETS: TargetName[] = ["direct", "pass-through", "gateway"];

/** One target in one round. CPU is null where there is no Worker (direct). */
export interface RoundRun {
  mode: Mode;
  concurrency: number;
  round: number;
  target: TargetName;
  totalMs: number[];
  firstByteMs: number[];
  wallMs: number;
  errors: number;
  workerdCpuMs: number | null;
  nodeCpuMs: number | null;
  upstreamCpuMs: number;
}

export interface TargetSummary {
  mode: Mode;
  concurrency: number;
  target: TargetName;
  requests: number;
  errors: number;
  req_per_s: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  first_byte_p50_ms: number | null;
  workerd_cpu_ms_per_req: number | null;
  wrangler_node_cpu_ms_per_req: number | null;
  upstream_cpu_ms_per_req: number | null;
}

export interface Comparison {
  mode: Mode;
  concurrency: number;
  rounds: number;
  /** Medians over rounds of gateway − pass-through (ms) and gateway ÷ pass-through. */
  added_p50_ms: number | null;
  added_p99_ms: number | null;
  added_first_byte_p50_ms: number | null;
  cpu_ratio: number | null;
  throughput_ratio: number | null;
  checks: { name: string; limit: string; value: number | null; ok: boolean | null }[];
}

const perRequest = (runs: RoundRun[], pick: (run: RoundRun) => number | null) => {
  const requests = sum(runs.map((run) => run.totalMs.length + run.errors));
  const values = runs.map(pick);
  return values.some((value) => value === null) || requests === 0 ? null : sum(values as number[]) / requests;
};

export function summarize(runs: RoundRun[]): TargetSummary {
  const [first] = runs as [RoundRun];
  const total = runs.flatMap((run) => run.totalMs);
  const firstByte = runs.flatMap((run) => run.firstByteMs);
  return {
    mode: first.mode,
    concurrency: first.concurrency,
    target: first.target,
    requests: total.length,
    errors: sum(runs.map((run) => run.errors)),
    req_per_s: round((total.length / sum(runs.map((run) => run.wallMs))) * 1000, 1),
    p50_ms: round(percentile(total, 50)),
    p99_ms: round(percentile(total, 99)),
    first_byte_p50_ms: round(percentile(firstByte, 50)),
    workerd_cpu_ms_per_req: round(perRequest(runs, (run) => run.workerdCpuMs) ?? Number.NaN, 3),
    wrangler_node_cpu_ms_per_req: round(perRequest(runs, (run) => run.nodeCpuMs) ?? Number.NaN, 3),
    upstream_cpu_ms_per_req: round(perRequest(runs, (run) => run.upstreamCpuMs) ?? Number.NaN, 3),
  };
}

const rps = (run: RoundRun) => (run.totalMs.length / run.wallMs) * 1000;
const cpuPerRequest = (run: RoundRun) => (run.workerdCpuMs ?? Number.NaN) / (run.totalMs.length + run.errors);

export function compare(gateway: RoundRun[], passThrough: RoundRun[]): Comparison {
  const pairs = gateway.map((g) => [g, passThrough.find((p) => p.round === g.round) as RoundRun] as const);
  const diff = (pick: (values: number[]) => number) =>
    round(median(pairs.map(([g, p]) => pick(g.totalMs) - pick(p.totalMs))));
  const [first] = gateway as [RoundRun];
  const comparison: Comparison = {
    mode: first.mode,
    concurrency: first.concurrency,
    rounds: pairs.length,
    added_p50_ms: diff((values) => percentile(values, 50)),
    added_p99_ms: diff((values) => percentile(values, 99)),
    added_first_byte_p50_ms: round(
      median(pairs.map(([g, p]) => percentile(g.firstByteMs, 50) - percentile(p.firstByteMs, 50))),
    ),
    cpu_ratio: round(median(pairs.map(([g, p]) => cpuPerRequest(g) / cpuPerRequest(p)))),
    throughput_ratio: round(median(pairs.map(([g, p]) => rps(g) / rps(p)))),
    checks: [],
  };
  const check = (name: string, limit: string, value: number | null, ok: (value: number) => boolean) =>
    comparison.checks.push({ name, limit, value, ok: value === null ? null : ok(value) });
  if (first.concurrency === 1) check("added p50", "≤ 1 ms", comparison.added_p50_ms, (v) => v <= 1);
  if (first.mode === "stream") {
    check("added first byte", "≤ 2 ms", comparison.added_first_byte_p50_ms, (v) => v <= 2);
  }
  check("CPU ratio", "≤ 1.5×", comparison.cpu_ratio, (v) => v <= 1.5);
  if (first.concurrency > 1) check("throughput ratio", "≥ 0.8×", comparison.throughput_ratio, (v) => v >= 0.8);
  return comparison;
}

const cell = (value: number | null, width: number, digits = 1) =>
  (value === null ? "-" : value.toFixed(digits)).padStart(width);
const signed = (value: number | null, width: number) =>
  (value === null ? "-" : `${value >= 0 ? "+" : ""}${value.toFixed(2)}`).padStart(width);

export function printTables(summaries: TargetSummary[], comparisons: Comparison[]): void {
  console.log(
    "mode    C   target          req/s   p50 ms   p99 ms   1st byte p50   CPU ms/req workerd  (+ wrangler node)  errors",
  );
  for (const s of summaries) {
    console.log(
      `${s.mode.padEnd(7)} ${String(s.concurrency).padStart(2)}   ${s.target.padEnd(13)} ${cell(s.req_per_s, 7, 0)} ${cell(s.p50_ms, 8, 2)} ${cell(s.p99_ms, 8, 2)} ${cell(s.first_byte_p50_ms, 14, 2)} ${cell(s.workerd_cpu_ms_per_req, 20, 2)}  ${cell(s.wrangler_node_cpu_ms_per_req, 17, 2)} ${String(s.errors).padStart(7)}`,
    );
  }
  console.log(
    "\ngateway over the pass-through, median of per-round differences / ratios (targets printed, not enforced)",
  );
  console.log("mode    C   added p50 ms  added p99 ms  added 1st byte ms  CPU ratio  throughput ratio   targets");
  for (const c of comparisons) {
    const checks = c.checks
      .map((k) => `${k.name} ${k.limit}: ${k.ok === null ? "n/a" : k.ok ? "met" : "MISSED"}`)
      .join("; ");
    console.log(
      `${c.mode.padEnd(7)} ${String(c.concurrency).padStart(2)}  ${signed(c.added_p50_ms, 12)}  ${signed(c.added_p99_ms, 12)}  ${signed(c.added_first_byte_p50_ms, 17)}  ${cell(c.cpu_ratio, 8, 2)}×  ${cell(c.throughput_ratio, 15, 2)}×   ${checks}`,
    );
  }
}

/** Per target (rounds pooled) and gateway against pass-through, for every mode and concurrency. */
export function aggregate(runs: RoundRun[], modes: Mode[], concurrencies: number[]) {
  const of = (mode: Mode, concurrency: number, target: TargetName) =>
    runs.filter((run) => run.mode === mode && run.concurrency === concurrency && run.target === target);
  const cases = modes.flatMap((mode) => concurrencies.map((concurrency) => [mode, concurrency] as const));
  return {
    summaries: cases.flatMap(([mode, concurrency]) =>
      TARGETS.map((target) => summarize(of(mode, concurrency, target))),
    ),
    comparisons: cases.map(([mode, concurrency]) =>
      compare(of(mode, concurrency, "gateway"), of(mode, concurrency, "pass-through")),
    ),
  };
}
