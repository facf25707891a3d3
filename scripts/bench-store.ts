// npm run bench:store — store round trips per money operation and throughput, for each adapter.
//   Durable Objects: a bench Worker under `wrangler dev` counts calls that reach an object.
//   Redis: the production @upstash/redis client against scripts/upstash-local.mjs over a real
//   redis-server (REDIS_URL, default redis://127.0.0.1:6379), counting HTTP requests.
// Prints one table; the target is 1 round trip per reserve and per settle.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "@upstash/redis/cloudflare";
import { createRedisStore } from "../src/stores/redis/store.ts";
import { freePort } from "../test/node/helpers/wrangler-dev.ts";
import { type BenchRow, runStoreBench } from "./bench/store-bench.ts";
// @ts-expect-error: plain ESM script without type declarations
import { startUpstashLocal } from "./upstash-local.mjs";

const N = Number(process.env.BENCH_OPS ?? 300);
const root = join(import.meta.dirname, "..");

async function benchDurableObjects(): Promise<BenchRow[]> {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "bench-do-"));
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "-c",
      "scripts/bench/wrangler.bench.toml",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      state,
      "--inspector-port",
      "0",
      "--show-interactive-dev-session=false",
    ],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  try {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/?n=${N}`);
        if (res.ok) return (await res.json()) as BenchRow[];
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`bench worker did not start:\n${output}`);
  } finally {
    if (child.pid) process.kill(-child.pid, "SIGTERM");
    rmSync(state, { recursive: true, force: true });
  }
}

async function benchRedis(): Promise<BenchRow[]> {
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const endpoint = await startUpstashLocal({ redisUrl });
  const counter = { calls: 0 };
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input).startsWith(endpoint.url)) counter.calls++;
    return realFetch(input, init);
  };
  try {
    const redis = new Redis({
      url: endpoint.url,
      token: endpoint.token,
      retry: false,
      automaticDeserialization: false,
    });
    const store = createRedisStore(redis, `bench:${crypto.randomUUID()}:`);
    // Load the scripts once so the table shows steady state (EVALSHA hits), not the first EVAL.
    await runStoreBench(store, { calls: 0 }, 2, [1], () => Date.now());
    return await runStoreBench(store, counter, N, [1, 64], () => Date.now());
  } finally {
    globalThis.fetch = realFetch;
    await endpoint.close();
  }
}

const rows: (BenchRow & { store: string })[] = [];
for (const [store, run] of [
  ["durable-object", benchDurableObjects],
  ["redis", benchRedis],
] as const) {
  try {
    rows.push(...(await run()).map((row) => ({ store, ...row })));
  } catch (error) {
    console.error(`${store}: ${(error as Error).message}`);
  }
}
console.log(`store round trips and throughput, ${N} ops per row (target: 1 round trip per reserve and per settle)`);
console.log(
  "store           op       concurrency  round_trips/op  ops/s   (redis: HTTP requests; @upstash/redis auto-pipelines concurrent calls)",
);
for (const r of rows) {
  console.log(
    `${r.store.padEnd(15)} ${r.op.padEnd(8)} ${String(r.concurrency).padStart(11)}  ${r.round_trips_per_op.toFixed(2).padStart(14)}  ${String(r.ops_per_second).padStart(5)}`,
  );
}
if (rows.length === 0) process.exit(1);
