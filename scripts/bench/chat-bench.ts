// npm run bench — what the gateway adds to a chat call, against a bare pass-through Worker, on loopback.
// Starts a fake OpenAI upstream (its own process), the bare pass-through Worker and the gateway (the
// project's wrangler.toml, Durable Object store, a dev-seeded key) under `wrangler dev`, warms each up,
// then runs paired rounds: for plain and streamed chat, at concurrency 1 and 32, R times direct →
// pass-through → gateway, a fixed number of requests each, with the CPU of each wrangler tree's workerd
// processes read from /proc around every run. Then the gateway on Redis (local Upstash endpoint) for
// store round trips per call. Prints tables, writes bench-results.json, stops everything it started.
//   BENCH_CALLS   requests per target per round (default 256)    BENCH_ROUNDS  rounds (default 5)
//   BENCH_REDIS_CALLS  calls per Redis row (default 200; 0 skips the Redis run)
//   BENCH_FRAME_DELAY_MS  pause between the fake's stream frames (default 0)
//   BENCH_OUT     where to write the JSON (default ./bench-results.json)     --quick: 64 calls, 2 rounds
//   BENCH_STATE   memory (default): wrangler's local state on tmpfs (/dev/shm); disk: the OS tmpdir,
//                 as plain `wrangler dev` (each Durable Object write then waits for the disk's fsync,
//                 which on a shared machine is most of the gateway's time and most of the noise)
import { accessSync, constants, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startDevServer } from "../../test/node/helpers/wrangler-dev.ts";
import { guard, onStop, startUpstreamProcess, stopAll, track } from "./children.ts";
import { describeTree } from "./cpu.ts";
import { balanceMicros, ensureCredits } from "./gateway-account.ts";
import { chatBody, keepAliveAgent } from "./load.ts";
import { loadAverage, machineInfo } from "./machine.ts";
import { printRedis, runRedisBench } from "./redis-run.ts";
import { aggregate, type Mode, printTables, summarize, type TargetName } from "./report.ts";
import { type BenchTarget, pairedRounds, WARMUP_CALLS, warmUp } from "./rounds.ts";

const root = resolve(import.meta.dirname, "..", "..");
const quick = process.argv.includes("--quick");
const envInt = (name: string, fallback: number, min: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}`);
  return value;
};
const CALLS = envInt("BENCH_CALLS", quick ? 64 : 256, 1);
const ROUNDS = envInt("BENCH_ROUNDS", quick ? 2 : 5, 1);
const REDIS_CALLS = envInt("BENCH_REDIS_CALLS", quick ? 50 : 200, 0);
const FRAME_DELAY_MS = envInt("BENCH_FRAME_DELAY_MS", 0, 0);
const OUT = resolve(process.env.BENCH_OUT ?? join(root, "bench-results.json"));
const CONCURRENCIES = [1, 32];
const MODES: Mode[] = ["plain", "stream"];

function stateRoot(): string {
  const wanted = process.env.BENCH_STATE ?? "memory";
  if (wanted !== "memory" && wanted !== "disk") throw new Error("BENCH_STATE must be memory or disk");
  if (wanted === "disk") return tmpdir();
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

const randomToken = () => crypto.randomUUID().replaceAll("-", "");

async function main() {
  const clearTimer = guard((quick ? 10 : 25) * 60_000);
  const STATE_ROOT = stateRoot();
  const info = machineInfo(root);
  console.log(
    `npm run bench — ${info.date}, commit ${info.commit.slice(0, 10)}${info.dirty ? " (uncommitted changes)" : ""}, Node ${info.node}, wrangler ${info.wrangler}`,
  );
  console.log(
    `machine: ${info.cpu}, ${info.cores} cores, ${info.memory_gib} GiB, Linux ${info.kernel}, load average ${info.load_average_at_start.join(" ")}`,
  );

  const upstream = await startUpstreamProcess(FRAME_DELAY_MS);
  const seed = `aib_bench${randomToken()}`;
  const adminSecret = `bench-admin-${randomToken()}`;
  const [passThrough, gateway] = await Promise.all([
    startDevServer({
      config: "scripts/bench/wrangler.passthrough.toml",
      vars: { UPSTREAM_ORIGIN: upstream.url },
      stateRoot: STATE_ROOT,
    }),
    startDevServer({
      stateRoot: STATE_ROOT,
      vars: {
        DEV_SEED_KEY: seed,
        ADMIN_SECRET: adminSecret,
        OPENAI_API_KEY: "sk-bench-fake",
        OPENAI_BASE_URL: `${upstream.url}/v1`,
      },
    }),
  ]);
  for (const [name, server] of [
    ["pass-through", passThrough],
    ["gateway", gateway],
  ] as const) {
    const untrack = track(server.pid, "group");
    onStop(name, async () => {
      await server.stop();
      untrack();
    });
  }

  const target = (name: TargetName, origin: string, key: string, model: string, root: number | null) => ({
    name,
    url: `${origin}/v1/chat/completions`,
    headers: { authorization: `Bearer ${key}` },
    body: (stream: boolean) => chatBody(model, stream),
    agent: keepAliveAgent(),
    root,
  });
  const targets: Record<TargetName, BenchTarget> = {
    direct: target("direct", upstream.url, "sk-bench-fake", "gpt-4o-mini", null),
    "pass-through": target("pass-through", passThrough.url, "sk-bench-fake", "gpt-4o-mini", passThrough.pid),
    gateway: target("gateway", gateway.url, seed, "openai/gpt-4o-mini", gateway.pid),
  };

  const planned = MODES.length * (CONCURRENCIES.length * ROUNDS * CALLS + WARMUP_CALLS);
  const chargedMicros = await ensureCredits(gateway.url, seed, adminSecret, planned);
  const balanceBefore = await balanceMicros(gateway.url, seed);
  console.log(
    `\nwarming up; then ${ROUNDS} paired rounds × ${CALLS} requests per target (direct → pass-through → gateway); gateway on the Durable Object store, local state in ${STATE_ROOT}`,
  );
  const warmed = await warmUp(targets, MODES);
  const runs = await pairedRounds({
    targets,
    upstreamPid: upstream.pid,
    modes: MODES,
    concurrencies: CONCURRENCIES,
    rounds: ROUNDS,
    calls: CALLS,
  });
  await new Promise((done) => setTimeout(done, 300));
  const billedMicros = balanceBefore - (await balanceMicros(gateway.url, seed));
  const gatewayCalls =
    (warmed.gateway ?? 0) +
    runs.filter((run) => run.target === "gateway").reduce((n, run) => n + run.totalMs.length, 0);
  const trees = { "pass-through": describeTree(passThrough.pid), gateway: describeTree(gateway.pid) };
  for (const t of Object.values(targets)) t.agent.destroy();
  await stopAll(); // frees the CPU before the Redis run, which starts its own upstream

  const { summaries, comparisons } = aggregate(runs, MODES, CONCURRENCIES);
  console.log("");
  printTables(summaries, comparisons);
  const expectedMicros = gatewayCalls * chargedMicros;
  console.log(
    `\ngateway billing check: ${gatewayCalls} calls answered 200, ${chargedMicros} µcr each; the balance fell by ${billedMicros} µcr (${billedMicros === expectedMicros ? "exactly that" : `EXPECTED ${expectedMicros}`})`,
  );

  let redis: Awaited<ReturnType<typeof runRedisBench>> = { skipped: "BENCH_REDIS_CALLS=0" };
  if (REDIS_CALLS > 0) {
    const redisUpstream = await startUpstreamProcess(FRAME_DELAY_MS);
    redis = await runRedisBench({ upstreamUrl: redisUpstream.url, calls: REDIS_CALLS, stateRoot: STATE_ROOT });
    await stopAll();
  }
  printRedis(redis, REDIS_CALLS);

  const errors = runs.reduce((total, run) => total + run.errors, 0);
  const results = {
    machine: { ...info, load_average_at_end: loadAverage() },
    settings: {
      calls_per_round: CALLS,
      rounds: ROUNDS,
      concurrencies: CONCURRENCIES,
      frame_delay_ms: FRAME_DELAY_MS,
      redis_calls: REDIS_CALLS,
      store: "durable-object (wrangler dev, local)",
      local_state_dir: STATE_ROOT,
      process_trees: trees,
    },
    targets: summaries,
    gateway_vs_pass_through: comparisons,
    rounds: runs.map((run) => ({ round: run.round, wall_ms: Math.round(run.wallMs), ...summarize([run]) })),
    billing: { gateway_calls: gatewayCalls, charged_micros_per_call: chargedMicros, balance_fell_micros: billedMicros },
    redis,
    errors,
  };
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults: ${OUT}`);
  clearTimer();
  if (errors > 0) {
    console.error(`bench: ${errors} requests failed (see above)`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
