import type { PlanTable } from "../billing/plans.ts";
import type { Caller } from "../lib/caller.ts";
import { ApiError } from "../lib/errors.ts";
import type { RateLimitTable, RateRefusal, RateWindow } from "../stores/limit-ports.ts";

const tables = new WeakMap<PlanTable, RateLimitTable>();
/** One table per plan a RapidAPI subscription can name, built once like the deployment's. */
const forcedTables = new WeakMap<PlanTable, Map<string, RateLimitTable>>();

/** The deployment's plans as the stores take them: the default plan id and {id: [rpm, concurrent]}. */
export function limitTable(plans: PlanTable): RateLimitTable {
  let table = tables.get(plans);
  if (!table) {
    table = {
      default_plan: plans.defaultPlan.id,
      plans: Object.fromEntries(
        plans.plans.map((plan) => [plan.id, [plan.requests_per_minute, plan.concurrent_requests] as const]),
      ),
    };
    tables.set(plans, table);
  }
  return table;
}

/**
 * The limits for a caller: key holders are on their account's recorded plan (the store reads it);
 * RapidAPI subscribers on the plan their X-RapidAPI-Subscription names (unknown → BASIC's).
 */
export function limitsFor(plans: PlanTable, caller: Caller): RateLimitTable {
  const table = limitTable(plans);
  if (caller.source !== "rapidapi") return table;
  const id = plans.forRapidApi(caller.plan).id;
  let byPlan = forcedTables.get(plans);
  if (!byPlan) {
    byPlan = new Map();
    forcedTables.set(plans, byPlan);
  }
  let forced = byPlan.get(id);
  if (!forced) {
    forced = { ...table, plan: id };
    byPlan.set(id, forced);
  }
  return forced;
}

/** OpenAI's duration format (Go's): `250ms`, `1s`, `1.5s`, `6m0s`. */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole < 1000) return `${whole}ms`;
  const minutes = Math.floor(whole / 60_000);
  const seconds = `${Number(((whole % 60_000) / 1000).toFixed(3))}s`;
  return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}

/** The `x-ratelimit-*` headers every key holder's answer on `/v1/*` carries. */
export function rateLimitHeaders(window: RateWindow): Record<string, string> {
  return {
    "x-ratelimit-limit-requests": String(window.limit),
    "x-ratelimit-remaining-requests": String(window.remaining),
    "x-ratelimit-reset-requests": formatDuration(window.reset_ms),
  };
}

/** 429 RATE_LIMITED: when to retry (whole seconds, at least 1, and exact ms) and the window. */
export function rateLimited(refusal: RateRefusal): ApiError {
  const retryMs = Math.max(1, Math.ceil(refusal.retry_after_ms));
  const seconds = Math.max(1, Math.ceil(retryMs / 1000));
  const { plan, limit } = refusal.window;
  const message =
    refusal.limit === "concurrency"
      ? `Too many calls in flight: plan '${plan}' allows ${refusal.concurrent} at once. Retry when one ends.`
      : `Rate limit reached: plan '${plan}' allows ${limit} requests per minute. Retry in ${seconds} s.`;
  return new ApiError("RATE_LIMITED", message, {
    headers: {
      "retry-after": String(seconds),
      "retry-after-ms": String(retryMs),
      ...rateLimitHeaders(refusal.window),
    },
  });
}
