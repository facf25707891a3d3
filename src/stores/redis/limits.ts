import type { Redis } from "@upstash/redis/cloudflare";
import type { RateLimits, RateLimitTable, RateResult } from "../limit-ports.ts";
import type { RedisLayout } from "./accounts.ts";
import { BEGIN, END, HIT } from "./limit-scripts.ts";
import { admitted, presentedArgs, type Reply } from "./records.ts";

const encoded = new WeakMap<RateLimitTable, string>();

/** The limits as the scripts read them (see limit-scripts.ts); a deployment's table is encoded once. */
export function limitsJson(table: RateLimitTable): string {
  let json = encoded.get(table);
  if (json === undefined) {
    json = JSON.stringify({ d: table.default_plan, f: table.plan ?? "", p: table.plans });
    encoded.set(table, json);
  }
  return json;
}

/** A script's rate tuple: {status, which, plan, limit, remaining, reset ms, retry ms, concurrent}. */
export function toRate(tuple: Reply[]): RateResult {
  const [status, which, plan, limit, remaining, reset, retry, concurrent] = tuple;
  const window = {
    plan: plan ?? "",
    limit: Number(limit),
    remaining: Number(remaining),
    reset_ms: Number(reset),
  };
  if (status !== "rate_limited") return { status: "allowed", window };
  return {
    status: "rate_limited",
    limit: which === "concurrency" ? "concurrency" : "requests",
    concurrent: Number(concurrent),
    retry_after_ms: Number(retry),
    window,
  };
}

/** Rate limits on Redis: one script per step, on the account's hash tag. */
export function redisLimits(redis: Redis, { account, reach }: RedisLayout): RateLimits {
  const scripts = {
    hit: redis.createScript<Reply[]>(HIT),
    begin: redis.createScript<Reply[]>(BEGIN),
    end: redis.createScript<number>(END),
  };
  return {
    hit: (accountId, table, now, key) =>
      reach("limits.hit", async () => {
        const k = account(accountId);
        const reply = admitted(
          await scripts.hit.exec(
            [k.acct, k.keys, k.keystate, k.rl],
            [String(now), ...presentedArgs(key), limitsJson(table)],
          ),
        );
        return toRate(reply);
      }),
    begin: (accountId, callId, table, ttlMs, now) =>
      reach("limits.begin", async () => {
        const k = account(accountId);
        const reply = await scripts.begin.exec(
          [k.acct, k.hexp, k.inflight, k.rl],
          [callId, limitsJson(table), String(ttlMs), String(now)],
        );
        return toRate(reply);
      }),
    end: (accountId, callId) =>
      reach("limits.end", async () => {
        await scripts.end.exec([account(accountId).inflight], [callId]);
      }),
  };
}
