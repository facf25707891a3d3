// npm run bench — what the gateway adds to a chat call, against a bare pass-through Worker, on loopback.
// Starts a fake OpenAI upstream (its own process), the bare pass-through Worker and the gateway (the
// project's wrangler.toml, Durable Object store) under `wrangler dev`, warms each up, then runs paired
// rounds: for plain and streamed chat, at concurrency 1 and 32, R times direct → pass-through → gateway,
// a fixed number of requests each. CPU is read from /proc for the workerd processes of each wrangler
// tree before and after each run. Then the gateway on Redis (local Upstash endpoint) for store round
// trips per call. Prints tables, writes bench-results.json, stops everything it started.
//   BENCH_CALLS   requests per target per round (default 256)    BENCH_ROUNDS  rounds (default 5)
//   BENCH_REDIS_CALLS  calls per Redis row (default 200; 0 skips the Redis run)
//   BENCH_FRAME_DELAY_MS  pause between the fake's stream frames (default 0)
//   BENCH_OUT     where to write the JSON (default ./bench-results.json)     --quick: 64 calls, 2 rounds
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { MAX_CREDITS_PER_STEP } from "../../src/lib/money.ts";
import { startDevServer } from "../../test/node/helpers/wrangler-dev.ts";
import { guard, onStop, startUpstreamProcess, stopAll, track } from "./children.ts";
import { type CpuReading, cpuBetween, describeTree, readCpu } from "./cpu.ts";
import { keepAliveAgent, runLoad, type Target } from "./load.ts";
import { printRedis, runRedisBench } from "./redis-run.ts";
import { compare, type Mode, printTables, type RoundRun, summarize, TARGETS, type TargetName } from "./report.ts";

const root = resolve(import.meta.dirname, "..", "..");
const quick = process.argv.includes("--quick");
const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
};
const CALLS = envInt("BENCH_CALLS", quick ? 64 : 256);
const ROUNDS = envInt("BENCH_ROUNDS", quick ? 2 : 5);
const REDIS_CALLS = envInt("BENCH_REDIS_CALLS", quick ? 50 : 200);
const FRAME_DELAY_MS = envInt("BENCH_FRAME_DELAY_MS", 0);
const OUT = resolve(process.env.BENCH_OUT ?? join(root, "bench-results.json"));
const CONCURRENCIES = [1, 32];
const MODES: Mode[] = ["plain", "stream"];
if (CALLS < 1 || ROUNDS < 1) throw new Error("BENCH_CALLS and BENCH_ROUNDS must be at least 1");

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [
      { role: "system", content: "You are a helpful assistant. Answer briefly." },
      { role: "user", content: "Hi! What can you do for me today? One sentence, please." },
    ],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

function git(...args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

function machine() {
  const version = (path: string) => (JSON.parse(readFileSync(join(root, path), "utf8")) as { version: string }).version;
  return {
    date: new Date().toISOString(),
    commit: git("rev-parse", "HEAD"),
    dirty: git("status", "--porcelain") !== "",
    node: process.version,
    wrangler: version("node_modules/wrangler/package.json"),
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memory_gib: Number((totalmem() / 2 ** 30).toFixed(1)),
    kernel: release(),
    load_average_at_start: loadavg().map((value) => Number(value.toFixed(2))),
  };
}

interface GatewayCredits {
  balanceMicros(): Promise<number>;
}

/** The seeded account gets 10,000 credits; grant more (admin API) if the planned calls could need them. */
async function ensureCredits(url: string, key: string, adminSecret: string, plannedCalls: number) {
  const auth = { authorization: `Bearer ${key}` };
  const credits: GatewayCredits = {
    async balanceMicros() {
      const res = await fetch(`${url}/v1/balance`, { headers: auth });
      if (res.status !== 200) throw new Error(`gateway /v1/balance answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { credits_micros: number; held_micros: number };
      return body.credits_micros;
    },
  };
  const before = await credits.balanceMicros();
  const probe = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: chatBody("openai/gpt-4o-mini", false),
  });
  await probe.text();
  const charged = Math.round(Number(probe.headers.get("x-credits-charged")) * 1_000_000);
  if (probe.status !== 200 || !Number.isFinite(charged)) throw new Error(`gateway chat probe answered ${probe.status}`);
  // Twice the expected spend, plus room for 32 holds of up to 10 credits each.
  const needMicros = 2 * plannedCalls * charged + 32 * 10_000_000;
  if (before - charged < needMicros) {
    const grant = Math.min(MAX_CREDITS_PER_STEP, Math.ceil(needMicros / 1_000_000));
    const res = await fetch(`${url}/admin/add-credits`, {
      method: "POST",
      headers: { "x-admin-secret": adminSecret, "content-type": "application/json" },
      body: JSON.stringify({ apiKey: key, credits: grant }),
    });
    if (res.status !== 200) throw new Error(`admin grant answered ${res.status}: ${await res.text()}`);
  }
  return { credits, chargedMicros: charged };
}

async function main() {
  const clearTimer = guard((quick ? 10 : 25) * 60_000);
  const info = machine();
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
    startDevServer({ config: "scripts/bench/wrangler.passthrough.toml", vars: { UPSTREAM_ORIGIN: upstream.url } }),
    startDevServer({
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

  const targets: Record<TargetName, Target & { root: number | null }> = {
    direct: {
      name: "direct",
      url: `${upstream.url}/v1/chat/completions`,
      headers: { authorization: "Bearer sk-bench-fake" },
      body: (stream) => chatBody("gpt-4o-mini", stream),
      agent: keepAliveAgent(),
      root: null,
    },
    "pass-through": {
      name: "pass-through",
      url: `${passThrough.url}/v1/chat/completions`,
      headers: { authorization: "Bearer sk-bench-fake" },
      body: (stream) => chatBody("gpt-4o-mini", stream),
      agent: keepAliveAgent(),
      root: passThrough.pid,
    },
    gateway: {
      name: "gateway",
      url: `${gateway.url}/v1/chat/completions`,
      headers: { authorization: `Bearer ${seed}` },
      body: (stream) => chatBody("openai/gpt-4o-mini", stream),
      agent: keepAliveAgent(),
      root: gateway.pid,
    },
  };

  const warmupCalls = 32 + 3 * 32;
  const planned = MODES.length * (CONCURRENCIES.length * ROUNDS * CALLS + warmupCalls);
  const { credits, chargedMicros } = await ensureCredits(gateway.url, seed, adminSecret, planned);
  const balanceBefore = await credits.balanceMicros();
  let gatewayOk = 0;

  console.log(
    `\nwarming up; then ${ROUNDS} paired rounds × ${CALLS} requests per target (direct → pass-through → gateway), gateway on the Durable Object store`,
  );
  for (const target of TARGETS) {
    for (const mode of MODES) {
      for (const [concurrency, count] of [
        [1, 32],
        [32, 3 * 32],
      ] as const) {
        const load = await runLoad(targets[target], { stream: mode === "stream", concurrency, count });
        if (load.errors > 0) throw new Error(`warm-up failed: ${load.errorSamples.join("; ")}`);
        if (target === "gateway") gatewayOk += load.totalMs.length;
      }
    }
  }

  const runs: RoundRun[] = [];
  for (const mode of MODES) {
    for (const concurrency of CONCURRENCIES) {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const name of TARGETS) {
          const target = targets[name];
          const cpuBefore: CpuReading | null = target.root === null ? null : readCpu(target.root);
          const upstreamBefore = readCpu(upstream.pid);
          const load = await runLoad(target, { stream: mode === "stream", concurrency, count: CALLS });
          await sleep(100); // work kept alive with waitUntil after the last answer
          const cpu = cpuBefore && target.root !== null ? cpuBetween(cpuBefore, readCpu(target.root)) : null;
          const upstreamCpu = cpuBetween(upstreamBefore, readCpu(upstream.pid));
          if (name === "gateway") gatewayOk += load.totalMs.length;
          for (const sample of load.errorSamples) console.error(`  error (${mode}, C=${concurrency}): ${sample}`);
          runs.push({
            mode,
            concurrency,
            round,
            target: name,
            totalMs: load.totalMs,
            firstByteMs: load.firstByteMs,
            wallMs: load.wallMs,
            errors: load.errors,
            workerdCpuMs: cpu?.workerdMs ?? null,
            nodeCpuMs: cpu?.otherMs ?? null,
            upstreamCpuMs: upstreamCpu.workerdMs + upstreamCpu.otherMs,
          });
        }
      }
      process.stdout.write(`  done: ${mode}, C=${concurrency}\n`);
    }
  }

  await sleep(300);
  const balanceAfter = await credits.balanceMicros();
  const trees = { "pass-through": describeTree(passThrough.pid), gateway: describeTree(gateway.pid) };
  for (const target of Object.values(targets)) target.agent.destroy();
  await stopAll(); // frees the CPU for the Redis run; the upstream restarts below

  const summaries = MODES.flatMap((mode) =>
    CONCURRENCIES.flatMap((concurrency) =>
      TARGETS.map((target) =>
        summarize(runs.filter((r) => r.mode === mode && r.concurrency === concurrency && r.target === target)),
      ),
    ),
  );
  const comparisons = MODES.flatMap((mode) =>
    CONCURRENCIES.map((concurrency) => {
      const of = (target: TargetName) =>
        runs.filter((r) => r.mode === mode && r.concurrency === concurrency && r.target === target);
      return compare(of("gateway"), of("pass-through"));
    }),
  );
  console.log("");
  printTables(summaries, comparisons);
  const billedMicros = balanceBefore - balanceAfter;
  console.log(
    `\ngateway billing check: ${gatewayOk} calls answered 200 after the probe; balance fell by ${(billedMicros / 1e6).toFixed(6)} credits (expected ${((gatewayOk * chargedMicros) / 1e6).toFixed(6)}: ${chargedMicros} µcr per call)`,
  );

  let redis: Awaited<ReturnType<typeof runRedisBench>> = { skipped: "BENCH_REDIS_CALLS=0" };
  if (REDIS_CALLS > 0) {
    const redisUpstream = await startUpstreamProcess(FRAME_DELAY_MS);
    try {
      redis = await runRedisBench({ upstreamUrl: redisUpstream.url, calls: REDIS_CALLS, chatBody });
    } finally {
      await stopAll();
    }
  }
  printRedis(redis, REDIS_CALLS);

  const errors = runs.reduce((total, run) => total + run.errors, 0);
  writeFileSync(
    OUT,
    `${JSON.stringify(
      {
        machine: { ...info, load_average_at_end: loadavg().map((value) => Number(value.toFixed(2))) },
        settings: {
          calls_per_round: CALLS,
          rounds: ROUNDS,
          concurrencies: CONCURRENCIES,
          frame_delay_ms: FRAME_DELAY_MS,
          redis_calls: REDIS_CALLS,
          store: "durable-object (wrangler dev, local)",
          process_trees: trees,
        },
        targets: summaries,
        gateway_vs_pass_through: comparisons,
        rounds: runs.map((run) => ({ round: run.round, wall_ms: Math.round(run.wallMs), ...summarize([run]) })),
        billing: {
          gateway_calls: gatewayOk,
          charged_micros_per_call: chargedMicros,
          balance_fell_micros: billedMicros,
        },
        redis,
        errors,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nresults: ${OUT}`);
  clearTimer();
  if (errors > 0) {
    console.error(`bench: ${errors} requests failed (see above)`);
    process.exitCode = 1;
  }
}

function randomToken(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
