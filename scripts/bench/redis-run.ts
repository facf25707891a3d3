// The Redis part of `npm run bench`: the gateway under `wrangler dev` on the Upstash Redis store,
// through scripts/upstash-local.mjs over a real redis-server (REDIS_URL or 127.0.0.1:6379 when it
// answers, else a throwaway redis-server from PATH). The endpoint counts the HTTP requests (store
// round trips) and commands it receives; per gateway call = counted ÷ calls, once the counters
// are quiet (a settle kept alive with waitUntil still counts). Only this run's keys are deleted at
// the end (a fresh account and key hash, named in the gateway's `aib:` prefix); never FLUSHDB.
import { createHash, randomUUID } from "node:crypto";
import { createClient } from "redis";
import { findRedis, startUpstashLocal, type UpstashLocalStats } from "../../test/node/helpers/redis.ts";
import { startDevServer } from "../../test/node/helpers/wrangler-dev.ts";
import { onStop, track } from "./children.ts";
import { chatBody, keepAliveAgent, runLoad, type Target } from "./load.ts";
import type { Mode } from "./report.ts";
import { percentile, round } from "./stats.ts";

export interface RedisRow {
  mode: Mode;
  concurrency: number;
  calls: number;
  errors: number;
  store_http_requests_per_call: number | null;
  store_commands_per_call: number | null;
  /** How many of those requests were /pipeline or /multi-exec (@upstash/redis auto-pipelines). */
  store_pipeline_requests_per_call: number | null;
  p50_ms: number | null;
}

export interface RedisResult {
  redis: string;
  rows: RedisRow[];
  deleted_keys: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function quietStats(read: () => UpstashLocalStats): Promise<UpstashLocalStats> {
  let last = read();
  for (let quiet = 0, waited = 0; quiet < 3 && waited < 3_000; waited += 100) {
    await sleep(100);
    const now = read();
    quiet = now.requests === last.requests ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

export async function runRedisBench(options: {
  upstreamUrl: string;
  calls: number;
  stateRoot: string;
}): Promise<RedisResult | { skipped: string }> {
  const found = await findRedis();
  if (!found) return { skipped: "no Redis answers and no redis-server could be started" };
  onStop("redis-server", () => found.stop());
  const endpoint = await startUpstashLocal({ redisUrl: found.url, token: `bench-${randomUUID()}` });
  onStop("upstash-local endpoint", () => endpoint.close());
  const seed = `aib_benchredis${randomUUID().replaceAll("-", "")}`;
  const gateway = await startDevServer({
    stateRoot: options.stateRoot,
    vars: {
      UPSTASH_REDIS_REST_URL: endpoint.url,
      UPSTASH_REDIS_REST_TOKEN: endpoint.token,
      DEV_SEED_KEY: seed,
      OPENAI_API_KEY: "sk-bench-fake",
      OPENAI_BASE_URL: `${options.upstreamUrl}/v1`,
    },
  });
  const untrack = track(gateway.pid, "group");
  onStop("gateway (Redis store)", async () => {
    await gateway.stop();
    untrack();
  });

  const auth = { authorization: `Bearer ${seed}` };
  const balance = await fetch(`${gateway.url}/v1/balance`, { headers: auth });
  if (balance.status !== 200) throw new Error(`Redis gateway: /v1/balance answered ${balance.status}`);
  const { account_id: accountId } = (await balance.json()) as { account_id: string };
  const target: Target = {
    name: "gateway (Redis)",
    url: `${gateway.url}/v1/chat/completions`,
    headers: auth,
    body: (stream) => chatBody("openai/gpt-4o-mini", stream),
    agent: keepAliveAgent(),
  };
  // Loads the scripts (EVALSHA misses, then EVAL) and warms the isolate.
  for (const stream of [false, true]) await runLoad(target, { stream, concurrency: 1, count: 20 });

  const rows: RedisRow[] = [];
  for (const mode of ["plain", "stream"] as const) {
    for (const concurrency of [1, 32]) {
      const before = await quietStats(endpoint.stats);
      const load = await runLoad(target, { stream: mode === "stream", concurrency, count: options.calls });
      const after = await quietStats(endpoint.stats);
      const calls = options.calls;
      rows.push({
        mode,
        concurrency,
        calls,
        errors: load.errors,
        store_http_requests_per_call: round((after.requests - before.requests) / calls),
        store_commands_per_call: round((after.commands - before.commands) / calls),
        store_pipeline_requests_per_call: round(
          (after.pipeline + after.multi - before.pipeline - before.multi) / calls,
        ),
        p50_ms: round(percentile(load.totalMs, 50)),
      });
    }
  }
  target.agent.destroy();

  let deleted = 0;
  const client = createClient({ url: found.url, RESP: 2, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    const keyHash = createHash("sha256").update(seed).digest("hex");
    deleted += await client.del(`aib:{k:${keyHash}}`);
    for await (const keys of client.scanIterator({ MATCH: `aib:{a:${accountId}}:*`, COUNT: 1000 })) {
      if (keys.length > 0) deleted += await client.del(keys);
    }
  } finally {
    client.destroy();
  }
  return { redis: found.url, rows, deleted_keys: deleted };
}

export function printRedis(result: RedisResult | { skipped: string }, calls: number): void {
  console.log(
    `\nRedis store through the local Upstash endpoint: store round trips per gateway call (${calls} calls per row)`,
  );
  if ("skipped" in result) {
    console.log(`  skipped: ${result.skipped}`);
    return;
  }
  console.log("mode    C   store HTTP requests/call  (as /pipeline)  commands/call  p50 ms (info)  errors");
  const cell = (value: number | null, width: number) => (value === null ? "-" : value.toFixed(2)).padStart(width);
  for (const r of result.rows) {
    console.log(
      `${r.mode.padEnd(7)} ${String(r.concurrency).padStart(2)}   ${cell(r.store_http_requests_per_call, 24)}  ${cell(r.store_pipeline_requests_per_call, 14)}  ${cell(r.store_commands_per_call, 13)}  ${cell(r.p50_ms, 13)}  ${String(r.errors).padStart(6)}`,
    );
  }
  console.log(`  (${result.redis}; ${result.deleted_keys} keys of this run deleted afterwards)`);
}
