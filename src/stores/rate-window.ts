import { CONCURRENCY_RETRY_MS, type RateLimitTable, type RateResult, RATE_WINDOW_MS as W } from "./limit-ports.ts";

/**
 * The limiter's arithmetic, run inside a store's atomic step (the Durable Object runs this; the
 * Redis scripts in limit-scripts.ts are the same steps in Lua, and the contract suite holds both to
 * the same answers). A window is the index of its fixed 60 s slot (`w`), its count (`c`) and the
 * previous slot's count (`p`).
 */
export interface WindowState {
  w: number;
  c: number;
  p: number;
}

export interface PlanLimit {
  plan: string;
  rpm: number;
  concurrent: number;
}

/** The account's recorded plan, unless the table forces one; unknown or absent → the default plan. */
export function pickLimits(table: RateLimitTable, recorded: string | null | undefined): PlanLimit {
  const wanted = table.plan || recorded;
  const id = wanted && Object.hasOwn(table.plans, wanted) ? wanted : table.default_plan;
  const [rpm, concurrent] = table.plans[id] ?? [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  return { plan: id, rpm, concurrent };
}

/** The stored window moved on to `now`'s slot (a clock behind the stored slot stays in it). */
export function rollWindow(stored: WindowState | null, now: number): WindowState {
  const slot = Math.floor(now / W);
  if (!stored || slot > stored.w + 1) return { w: slot, c: 0, p: 0 };
  if (slot === stored.w + 1) return { w: slot, c: 0, p: stored.c };
  return stored;
}

/**
 * Checks one request against the limits: `inFlight` calls already running (null: concurrency not
 * checked, a route that is not metered). Allowed: the window to store (counted when `count`).
 */
export function rateStep(
  stored: WindowState | null,
  now: number,
  limit: PlanLimit,
  inFlight: number | null,
  count: boolean,
): { result: RateResult; next: WindowState | null } {
  const state = rollWindow(stored, now);
  const elapsed = Math.max(0, Math.min(W - 1, now - state.w * W));
  const used = Math.floor((state.p * (W - elapsed)) / W) + state.c;
  const window = { plan: limit.plan, limit: limit.rpm, remaining: 0, reset_ms: W - elapsed };
  const refuse = (which: "requests" | "concurrency", retry: number) => ({
    result: {
      status: "rate_limited" as const,
      limit: which,
      concurrent: limit.concurrent,
      retry_after_ms: Math.max(1, retry),
      window: { ...window, remaining: Math.max(0, limit.rpm - used), reset_ms: Math.max(1, retry) },
    },
    next: null,
  });
  if (used >= limit.rpm) {
    // The earliest time the weighted count drops below the limit.
    const wait =
      state.c < limit.rpm
        ? Math.floor(W - ((limit.rpm - state.c) * W) / state.p) + 1 - elapsed
        : W - elapsed + Math.floor(W - (limit.rpm * W) / state.c) + 1;
    return refuse("requests", wait);
  }
  if (inFlight !== null && inFlight >= limit.concurrent) {
    const refused = refuse("concurrency", CONCURRENCY_RETRY_MS);
    refused.result.window.reset_ms = window.reset_ms;
    return refused;
  }
  const counted = count ? 1 : 0;
  return {
    result: { status: "allowed", window: { ...window, remaining: Math.max(0, limit.rpm - used - counted) } },
    next: count ? { ...state, c: state.c + 1 } : null,
  };
}
