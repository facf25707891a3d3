// npm run load — a bounded load test of the gateway on loopback, then an audit of every account's money.
// Starts fake OpenAI, Anthropic and Google upstreams (test/fakes/upstream.ts, replaying test/fixtures)
// and the gateway under `wrangler dev` (the project's wrangler.toml; the Durable Object store, or with
// --store redis the Upstash Redis store through scripts/upstash-local.mjs over a real redis-server),
// grants credits to a few accounts (some too poor for their share of the calls, so 402s come), fires
// the planned calls at a fixed concurrency — plain and streamed chat on the three providers, upstream
// faults injected through the fake's directives (5xx, 429, stalls, mid-stream errors) and clients that
// leave mid-stream or before the answer — then waits for the holds to drain and checks, through the
// public API, that every ledger sums to its balance, no hold remains, no balance is negative, every
// plain answer's x-credits-charged is its usage entry, and failed calls are free. Prints a report;
// exits 1 on a failed invariant, a 500, an unexpected answer or a transport failure.
//   --calls N (2000)  --concurrency C (64)  --store do|redis (do)  --seed S (20)  --accounts A (8)
//   --holds-timeout-ms (30000): how long to wait for the holds to drain
//   --store-stalls (with --store redis): runs its own redis-server and pauses it (CLIENT PAUSE 1.5 s)
//             three times during the run, so store requests pass their limit: the 503s must be free
//             and leave no hold (a lost reserve's hold is released through the ledger queue, 10 s later)
//   --strict: a 503 STORE_UNAVAILABLE (a store request past its 600 ms limit, which a local store
//             only passes when the machine is overloaded) fails the run too (not with --store-stalls)
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createClient } from "redis";
import { startFakeUpstream } from "../../test/fakes/upstream.ts";
import { GENEROUS_PLANS } from "../../test/helpers/bindings.ts";
import { findRedis, redisAnswers, startUpstashLocal } from "../../test/node/helpers/redis.ts";
import { freePort, startDevServer } from "../../test/node/helpers/wrangler-dev.ts";
import { guard, onStop, stopAll, track } from "../bench/children.ts";
import { loadAverage, machineInfo } from "../bench/machine.ts";
import { percentile } from "../bench/stats.ts";
import { type Check, checkInvariants, type LoadAccount, readAccount, waitForHolds } from "./audit.ts";
import { type Outcome, send } from "./client.ts";
import { label, storeTimeout, unexpected } from "./expect.ts";
import { type PlannedCall, PROVIDERS, planCalls, warmUpCalls } from "./plan.ts";

const root = resolve(import.meta.dirname, "..", "..");
const { values: args } = parseArgs({
  options: {
    calls: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "64" },
    store: { type: "string", default: "do" },
    seed: { type: "string", default: "20" },
    accounts: { type: "string", default: "8" },
    "holds-timeout-ms": { type: "string", default: "30000" },
    strict: { type: "boolean", default: false },
    "store-stalls": { type: "boolean", default: false },
  },
});
const whole = (name: keyof typeof args, min: number) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return value;
};
const CALLS = whole("calls", 1);
const CONCURRENCY = whole("concurrency", 1);
const SEED = whole("seed", 0);
const ACCOUNTS = whole("accounts", 3);
const HOLDS_TIMEOUT_MS = whole("holds-timeout-ms", 0);
const STORE = args.store;
if (STORE !== "do" && STORE !== "redis") throw new Error("--store must be do or redis");
const STRICT = args.strict === true;
const STORE_STALLS = args["store-stalls"] === true;
if (STORE_STALLS && STORE !== "redis") throw new Error("--store-stalls needs --store redis");
/** --store-stalls: the private Redis is paused this long, this many times, spread over the run. */
const STALL_MS = 1500;
const STALLS = 3;

/** The gateway's limits, short so injected stalls end quickly. */
const FIRST_BYTE_MS = 6000;
const IDLE_MS = 4000;
/** A call's client-side timeout: past every limit above. */
const CALL_TIMEOUT_MS = 30_000;
/** A rough mean charge per call (µcr) of this mix, to size the poor accounts' grants. */
const MEAN_CHARGE_MICROS = 40_000;
/** Accounts 0, 1 and 2 get this share of what their calls would cost: they run out. The rest get plenty. */
const POOR_SHARES = [0.15, 0.35, 0.6];

function stateRoot(): string {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

const token = () => randomUUID().replaceAll("-", "");

async function grant(url: string, adminSecret: string, account: number, apiKey: string, credits: number) {
  const post = () =>
    fetch(`${url}/admin/add-credits`, {
      method: "POST",
      headers: {
        "x-admin-secret": adminSecret,
        "content-type": "application/json",
        "idempotency-key": `load-grant-${SEED}-${account}`,
      },
      body: JSON.stringify({ apiKey, credits }),
    });
  const first = await post();
  if (first.status !== 200) throw new Error(`add-credits answered ${first.status}: ${await first.text()}`);
  const granted = (await first.json()) as { account_id: string; granted_micros: number; replayed: boolean };
  // The same grant again, as a retrying operator would send it: it must apply nothing.
  const again = (await (await post()).json()) as { replayed: boolean; granted_micros: number };
  if (!again.replayed)
    throw new Error(`add-credits with a used Idempotency-Key was applied again (account ${account})`);
  return { accountId: granted.account_id, grantedMicros: granted.granted_micros };
}

async function runCalls(
  url: string,
  accounts: LoadAccount[],
  calls: PlannedCall[],
  concurrency = CONCURRENCY,
  onStart: (index: number) => void = () => {},
) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, keepAliveMsecs: 10_000 });
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < calls.length; i = next++) {
      const call = calls[i] as PlannedCall;
      onStart(i);
      outcomes.push(await send(url, (accounts[call.account] as LoadAccount).apiKey, call, agent, CALL_TIMEOUT_MS));
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, calls.length) }, worker));
  const wallMs = performance.now() - started;
  agent.destroy();
  return { outcomes, wallMs };
}

/** A redis-server of this run's own (--store-stalls pauses it, which must not touch a shared one). */
async function privateRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  const untrack = track(child.pid as number, "pid");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", () => {});
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000).unref())]);
    untrack();
  };
  const url = `redis://127.0.0.1:${port}`;
  for (let waited = 0; waited < 5_000; waited += 100) {
    if (await redisAnswers(url)) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error("--store-stalls: redis-server (from PATH) did not start");
}

/** Pauses every client of the Redis at `url` for `ms` (the commands wait, then run). */
async function pauseRedis(url: string, ms: number): Promise<void> {
  const client = createClient({ url, RESP: 2, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.sendCommand(["CLIENT", "PAUSE", String(ms), "ALL"]);
  } finally {
    client.destroy();
  }
}

/** Holds the Redis store still keeps per account (its `holds` hash), expired or not. */
async function redisHolds(redisUrl: string, accounts: LoadAccount[]): Promise<number[]> {
  const client = createClient({ url: redisUrl, RESP: 2, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    return await Promise.all(accounts.map((a) => client.hLen(`aib:{a:${a.accountId}}:holds`)));
  } finally {
    client.destroy();
  }
}

async function deleteRedisKeys(redisUrl: string, accounts: LoadAccount[]): Promise<number> {
  let deleted = 0;
  const client = createClient({ url: redisUrl, RESP: 2, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    for (const a of accounts) {
      deleted += await client.del(`aib:{k:${createHash("sha256").update(a.apiKey).digest("hex")}}`);
      for await (const keys of client.scanIterator({ MATCH: `aib:{a:${a.accountId}}:*`, COUNT: 1000 })) {
        if (keys.length > 0) deleted += await client.del(keys);
      }
    }
  } finally {
    client.destroy();
  }
  return deleted;
}

const count = <T>(items: T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
};

const credits = (micros: number) => (micros / 1_000_000).toFixed(6);

async function main(): Promise<boolean> {
  const clearTimer = guard(10 * 60_000);
  const info = machineInfo(root);
  console.log(
    `npm run load — ${info.date}, commit ${info.commit.slice(0, 10)}${info.dirty ? " (uncommitted changes)" : ""}, Node ${info.node}, wrangler ${info.wrangler}`,
  );
  console.log(`machine: ${info.cpu}, ${info.cores} cores, load average ${info.load_average_at_start.join(" ")}`);
  console.log(
    `settings: ${CALLS} calls, concurrency ${CONCURRENCY}, ${ACCOUNTS} accounts, seed ${SEED}, store ${STORE === "do" ? "Durable Objects" : "Upstash Redis (local endpoint)"}`,
  );

  const bootStarted = performance.now();
  const fakes = await Promise.all(
    PROVIDERS.map((provider) => startFakeUpstream(provider, { keepAliveTimeoutMs: 60_000 })),
  );
  for (const [i, fake] of fakes.entries()) onStop(`fake ${PROVIDERS[i]}`, () => fake.close());
  const [openai, anthropic, google] = fakes as [(typeof fakes)[0], (typeof fakes)[0], (typeof fakes)[0]];

  let redisUrl: string | null = null;
  const storeLog: string[] = [];
  const storeVars: Record<string, string> = {};
  if (STORE === "redis") {
    const found = STORE_STALLS ? await privateRedis() : await findRedis();
    if (!found) throw new Error("--store redis: no Redis answers and no redis-server could be started");
    onStop("redis-server", () => found.stop());
    redisUrl = found.url;
    const endpoint = await startUpstashLocal({
      redisUrl: found.url,
      token: `load-${token()}`,
      onLog: (line) => storeLog.push(line),
    });
    onStop("upstash-local endpoint", () => endpoint.close());
    storeVars.UPSTASH_REDIS_REST_URL = endpoint.url;
    storeVars.UPSTASH_REDIS_REST_TOKEN = endpoint.token;
  }

  const adminSecret = `load-admin-${token()}`;
  const gateway = await startDevServer({
    stateRoot: stateRoot(),
    vars: {
      ...storeVars,
      ADMIN_SECRET: adminSecret,
      // The load test measures the books, not the rate limiter: limits it cannot reach.
      PLANS: GENEROUS_PLANS,
      OPENAI_API_KEY: "sk-load-fake",
      OPENAI_BASE_URL: `${openai.url}/v1`,
      ANTHROPIC_API_KEY: "sk-ant-load-fake",
      ANTHROPIC_BASE_URL: anthropic.url,
      GOOGLE_API_KEY: "AIzaLoadFake-000000000000000000000000",
      GOOGLE_BASE_URL: google.url,
      UPSTREAM_TIMEOUT_MS: String(FIRST_BYTE_MS),
      UPSTREAM_IDLE_TIMEOUT_MS: String(IDLE_MS),
    },
  });
  const untrack = track(gateway.pid, "group");
  onStop("gateway", async () => {
    await gateway.stop();
    untrack();
  });

  const calls = planCalls({ calls: CALLS, accounts: ACCOUNTS, seed: SEED, stallFirstByteMs: FIRST_BYTE_MS + 1000 });
  const accounts: LoadAccount[] = [];
  for (let index = 0; index < ACCOUNTS; index++) {
    const planned = calls.filter((call) => call.account === index).length;
    const share = POOR_SHARES[index];
    // Whole µcr; at least a few holds' worth, so a poor account still gets some calls through.
    const micros = Math.max(
      500_000,
      Math.round(share === undefined ? planned * 1_000_000 : planned * MEAN_CHARGE_MICROS * share),
    );
    const apiKey = `aib_load${SEED}x${index}x${token()}`;
    const { accountId, grantedMicros } = await grant(gateway.url, adminSecret, index, apiKey, micros / 1_000_000);
    accounts.push({ index, apiKey, accountId, grantedMicros });
  }
  // Warms the isolate and each key's cache entry (no charge).
  for (const a of accounts) {
    const res = await fetch(`${gateway.url}/v1/balance`, { headers: { authorization: `Bearer ${a.apiKey}` } });
    if (res.status !== 200) throw new Error(`/v1/balance answered ${res.status}`);
  }
  // Then a few calls on the richest account, plain and streamed on every provider, a few at a time:
  // the store's scripts get loaded (Redis: EVALSHA misses, then EVAL) and the connections opened
  // before the full concurrency arrives. They are charged like any call and audited with the rest.
  const warmUp = warmUpCalls(24, ACCOUNTS - 1, SEED);
  const warmed = await runCalls(gateway.url, accounts, warmUp, 4);
  const warmFailures = warmed.outcomes.filter((o) => unexpected(o) !== null);
  if (warmFailures.length > 0) {
    console.log(
      `warm-up: ${warmFailures.length} of ${warmUp.length} calls failed (${warmFailures.map(label).join(", ")})`,
    );
  }

  console.log(
    `gateway and fakes up, accounts granted in ${((performance.now() - bootStarted) / 1000).toFixed(1)} s; firing ${CALLS} calls at concurrency ${CONCURRENCY} …`,
  );
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const pauses: Promise<void>[] = [];
  const pauseAt = new Set(Array.from({ length: STALLS }, (_, i) => Math.floor(((i + 1) * CALLS) / (STALLS + 1))));
  const onStart = (index: number) => {
    if (STORE_STALLS && redisUrl && pauseAt.has(index)) pauses.push(pauseRedis(redisUrl, STALL_MS));
  };
  const { outcomes, wallMs } = await runCalls(gateway.url, accounts, calls, CONCURRENCY, onStart);
  await Promise.all(pauses);
  loopDelay.disable();
  const drained = await waitForHolds(gateway.url, accounts, HOLDS_TIMEOUT_MS);
  const auditStarted = performance.now();
  const audits = await Promise.all(accounts.map((a) => readAccount(gateway.url, a)));
  const auditMs = performance.now() - auditStarted;
  const reached = new Set<number>();
  for (const fake of fakes) {
    for (const request of fake.requests) {
      const index = /\(call (\d+)\)/.exec(request.rawBody)?.[1];
      if (index !== undefined) reached.add(Number(index));
    }
  }
  const checks: Check[] = checkInvariants(audits, outcomes, new Set(warmUp.map((call) => call.requestId)), reached);

  const surprises = outcomes
    .map((o) => ({ o, why: unexpected(o, STRICT && !STORE_STALLS) }))
    .filter((s) => s.why !== null);
  const fiveHundreds = outcomes.filter((o) => o.status === 500);
  checks.push({
    name: "no 500 answer",
    pass: fiveHundreds.length === 0,
    detail: fiveHundreds.length === 0 ? "none" : `${fiveHundreds.length}, e.g. ${fiveHundreds[0]?.call.requestId}`,
  });
  checks.push({
    name: "every answer is one its call allows (5xx only from injected faults)",
    pass: surprises.length === 0,
    detail:
      surprises.length === 0
        ? `${outcomes.length} calls`
        : `${surprises.length}: ${surprises
            .slice(0, 3)
            .map((s) => `${s.o.call.requestId} ${s.why}`)
            .join("; ")}`,
  });

  if (STORE_STALLS) {
    const timeouts = outcomes.filter(storeTimeout).length;
    checks.push({
      name: "the store stalls were felt (503 STORE_UNAVAILABLE answers)",
      pass: timeouts > 0,
      detail: timeouts > 0 ? `${timeouts} calls` : "none: pause the store longer (the stalls test nothing)",
    });
  }

  // The report.
  const answered = outcomes.filter((o) => !o.left && !o.failure);
  const complete = answered.filter((o) => o.status === 200 && (!o.call.stream || o.done));
  const p = (list: Outcome[], q: number) =>
    percentile(
      list.map((o) => o.ms),
      q,
    ).toFixed(1);
  const latency = (list: Outcome[]) => `p50 ${p(list, 50)} ms, p95 ${p(list, 95)} ms, p99 ${p(list, 99)} ms`;
  console.log(`\n=== load report (${STORE === "do" ? "Durable Object store" : "Redis store"}) ===`);
  console.log(
    `calls ${outcomes.length} in ${(wallMs / 1000).toFixed(2)} s = ${(outcomes.length / (wallMs / 1000)).toFixed(1)} req/s at concurrency ${CONCURRENCY} (${calls.filter((c) => c.stream).length} streamed, ${calls.filter((c) => !c.stream).length} plain)`,
  );
  console.log(
    `this process's event loop delay (client${STORE === "redis" ? ", fake upstreams and the Upstash endpoint" : " and fake upstreams"}): p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms`,
  );
  console.log(`latency, complete 200 answers (to the end of the body): ${latency(complete)}`);
  console.log(
    `latency, every answered call (stalls wait for the gateway's ${FIRST_BYTE_MS / 1000} s limit): ${latency(answered)}`,
  );
  console.log("outcomes by status / code:");
  for (const [what, n] of count(outcomes, label)) console.log(`  ${String(n).padStart(6)}  ${what}`);
  console.log("planned fates:");
  for (const [what, n] of count(outcomes, (o) => `${o.call.stream ? "stream" : "plain "} ${o.call.fate}`)) {
    console.log(`  ${String(n).padStart(6)}  ${what}`);
  }
  const usageOf = (o: Outcome) =>
    audits[o.call.account]?.entries.find((e) => e.reason === "usage" && e.request_id === o.call.requestId);
  const disconnects = (when: "mid" | "early") => {
    const left = outcomes.filter((o) => o.left === when);
    const charged = left.filter((o) => usageOf(o) !== undefined);
    const micros = charged.reduce((sum, o) => sum - (usageOf(o)?.amount_micros ?? 0), 0);
    return `${left.length} ${when === "mid" ? "mid-stream" : "before the answer"} (${charged.length} charged, ${credits(micros)} credits)`;
  };
  console.log(`client disconnects: ${disconnects("mid")}; ${disconnects("early")}`);
  const errors = outcomes.filter((o) => o.status !== 200 && !o.left).length;
  const storeTimeouts = outcomes.filter(storeTimeout).length;
  if (STORE_STALLS) {
    console.log(`store stalls: the private Redis was paused ${pauses.length} × ${STALL_MS} ms during the run`);
  }
  if (storeTimeouts > 0) {
    console.log(
      `store timeouts: ${storeTimeouts} calls answered 503 STORE_UNAVAILABLE (the store did not answer within its 600 ms request limit: an overloaded machine, or a store that stalls); ${STRICT ? "a failure under --strict" : "allowed (--strict fails on them)"}, and money-checked like every call`,
    );
  }
  console.log(
    `errors: ${surprises.length} unexpected (${fiveHundreds.length} of them 500), ${outcomes.filter((o) => o.failure).length} transport failures; ${errors} error answers in all (402s and injected faults are expected)`,
  );
  console.log(
    `holds drained ${drained.heldMicros === 0 ? `in ${drained.waitedMs} ms` : `NOT within ${HOLDS_TIMEOUT_MS} ms (${drained.heldMicros} µcr held)`}`,
  );
  console.log(
    `ledgers read in ${(auditMs / 1000).toFixed(1)} s: ${audits.reduce((n, a) => n + a.entries.length, 0)} entries`,
  );
  console.log("accounts:");
  console.log("  #  granted cr     balance cr  ledger entries  usage  charged cr    200s   402s");
  for (const a of audits) {
    const mine = outcomes.filter((o) => o.call.account === a.account.index);
    const usage = a.entries.filter((e) => e.reason === "usage");
    console.log(
      `  ${a.account.index}  ${credits(a.account.grantedMicros).padStart(11)}  ${credits(a.balanceMicros).padStart(12)}  ${String(a.entries.length).padStart(14)}  ${String(usage.length).padStart(5)}  ${credits(-usage.reduce((t, e) => t + e.amount_micros, 0)).padStart(10)}  ${String(mine.filter((o) => o.status === 200).length).padStart(6)}  ${String(mine.filter((o) => o.status === 402).length).padStart(5)}`,
    );
  }
  if (surprises.length > 0) {
    console.log("unexpected answers (first 10): request id, what came back, what the fake upstream saw");
    for (const { o, why } of surprises.slice(0, 10)) {
      const fake = fakes[PROVIDERS.indexOf(o.call.provider)];
      const seen = fake?.requests.filter((r) => r.rawBody.includes(`(call ${o.call.index})`)) ?? [];
      const upstream =
        seen.length === 0
          ? "never reached the fake"
          : seen.map((r) => `${r.case ?? "no case"}${r.aborted ? " (aborted)" : ""}`).join(", ");
      console.log(`  ${o.call.requestId}: ${why}${o.message ? ` — "${o.message}"` : ""}; upstream: ${upstream}`);
    }
  }
  console.log("invariants:");
  for (const c of checks) console.log(`  ${c.pass ? "PASS" : "FAIL"}  ${c.name}: ${c.detail}`);
  console.log(`load average at the end: ${loadAverage().join(" ")}`);

  if (redisUrl) {
    const failed = checks.find((c) => c.name === "no hold remains" && !c.pass);
    if (failed) {
      const holds = await redisHolds(redisUrl, accounts);
      console.log("holds left in Redis per account vs the account's calls answered 503 STORE_UNAVAILABLE:");
      for (const a of accounts) {
        const unavailable = outcomes.filter((o) => o.call.account === a.index && o.code === "STORE_UNAVAILABLE");
        console.log(`  account ${a.index}: ${holds[a.index]} holds left, ${unavailable.length} calls answered 503`);
      }
    }
    console.log(`(${await deleteRedisKeys(redisUrl, accounts)} Redis keys of this run deleted)`);
  }
  if (storeLog.length > 0) {
    console.log(`local Upstash endpoint log (${storeLog.length} lines, first 5):`);
    for (const line of storeLog.slice(0, 5)) console.log(`  ${line}`);
  }
  clearTimer();
  return checks.every((c) => c.pass);
}

try {
  const ok = await main();
  if (!ok) {
    console.error("load: FAILED (see the invariants above)");
    process.exitCode = 1;
  }
} catch (error) {
  console.error(`load failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
