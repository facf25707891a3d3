import { describe, expect, it } from "vitest";
import { DEFAULT_PLANS, PlanTable } from "../../src/billing/plans.ts";
import { formatDuration, limitsFor, rateLimited } from "../../src/metering/rate-limit.ts";
import { rateStep } from "../../src/stores/rate-window.ts";

const plans = new PlanTable(DEFAULT_PLANS);
const W = 60_000;

describe("rate limit helpers", () => {
  it("formats durations as OpenAI does", () => {
    expect(formatDuration(0)).toBe("0ms");
    expect(formatDuration(250)).toBe("250ms");
    expect(formatDuration(1_000)).toBe("1s");
    expect(formatDuration(1_500)).toBe("1.5s");
    expect(formatDuration(55_001)).toBe("55.001s");
    expect(formatDuration(60_000)).toBe("1m0s");
    expect(formatDuration(360_000)).toBe("6m0s");
    expect(formatDuration(90_250)).toBe("1m30.25s");
  });

  it("gives key holders the table (the store picks by their account's plan) and RapidAPI subscribers their subscription's plan", () => {
    const key = limitsFor(plans, { account_id: "a", source: "key", plan: null, key: null });
    expect(key).toEqual({
      default_plan: "free",
      plans: { free: [60, 5], pro: [600, 20], ultra: [3_000, 50], mega: [10_000, 100] },
    });
    expect(limitsFor(plans, { account_id: "r", source: "rapidapi", plan: "ULTRA", key: null }).plan).toBe("ultra");
    expect(limitsFor(plans, { account_id: "r", source: "rapidapi", plan: "GOLD", key: null }).plan).toBe("free");
    expect(limitsFor(plans, { account_id: "r", source: "rapidapi", plan: null, key: null }).plan).toBe("free");
  });

  it("a refusal is 429 RATE_LIMITED with Retry-After in whole seconds (at least 1) and the window's headers", () => {
    const error = rateLimited({
      status: "rate_limited",
      limit: "requests",
      concurrent: 5,
      retry_after_ms: 1,
      window: { plan: "free", limit: 60, remaining: 0, reset_ms: 1 },
    });
    expect(error.status).toBe(429);
    expect(error.code).toBe("RATE_LIMITED");
    expect(error.retry).toBe(true);
    expect(error.headers).toEqual({
      "retry-after": "1",
      "retry-after-ms": "1",
      "x-ratelimit-limit-requests": "60",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "1ms",
    });
  });

  it("the sliding window weighs the previous minute by how much of it the last 60 s still cover", () => {
    const limit = { plan: "free", rpm: 10, concurrent: 5 };
    // 10 calls in the previous minute, 2 in this one, 30 s in: 10 x 0.5 + 2 = 7 counted.
    const half = rateStep({ w: 101, c: 2, p: 10 }, 101 * W + W / 2, limit, null, true);
    expect(half.result).toMatchObject({ status: "allowed", window: { remaining: 2 } });
    // The retry time is exactly when the weighted count drops below the limit.
    const full = rateStep({ w: 101, c: 5, p: 10 }, 101 * W + 1_000, limit, null, true);
    expect(full.result).toMatchObject({ status: "rate_limited", retry_after_ms: 30_001 - 1_000 });
    const at = 101 * W + 1_000 + (full.result.status === "rate_limited" ? full.result.retry_after_ms : 0);
    expect(rateStep({ w: 101, c: 5, p: 10 }, at - 1, limit, null, true).result.status).toBe("rate_limited");
    expect(rateStep({ w: 101, c: 5, p: 10 }, at, limit, null, true).result.status).toBe("allowed");
  });
});
