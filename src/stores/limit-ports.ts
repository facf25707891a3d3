import type { PresentedKey } from "./ports.ts";

/**
 * Rate limits (DESIGN "Billing, plans and rate limits"): per account and plan, counted by the store
 * in the same atomic step as what they guard. Requests per minute are an approximated sliding
 * window over two fixed 60 s windows (the previous window's count weighted by how much of it the
 * last 60 s still cover, plus the current one's count), O(1) in storage. Concurrency counts the
 * account's calls in flight: its unexpired holds, and for RapidAPI callers (no holds) their
 * in-flight markers. A refused request is not counted.
 */

/** The compact limits table passed into the store's step, which picks by the account's recorded plan. */
export interface RateLimitTable {
  /** The plan of an account with no recorded plan, or one not in `plans`. */
  default_plan: string;
  /** Plan id → [requests per minute, concurrent requests]. */
  plans: Readonly<Record<string, readonly [number, number]>>;
  /** When set, this plan applies whatever the account records (RapidAPI: X-RapidAPI-Subscription). */
  plan?: string;
}

/** The request window as the answer's `x-ratelimit-*` headers report it. */
export interface RateWindow {
  /** The plan the limits came from. */
  plan: string;
  /** Requests per minute. */
  limit: number;
  /** Requests left in the window once this one is counted. */
  remaining: number;
  /** Milliseconds until the window has room again (refused) or the current fixed window ends. */
  reset_ms: number;
}

/** A request the limits refused: nothing was counted, held or charged. */
export interface RateRefusal {
  status: "rate_limited";
  /** Which limit: requests per minute, or calls in flight at once. */
  limit: "requests" | "concurrency";
  /** The plan's concurrent calls (for the message). */
  concurrent: number;
  /** When a retry can pass: the window's room again, or 1 s for a full concurrency limit. */
  retry_after_ms: number;
  window: RateWindow;
}

export type RateResult = { status: "allowed"; window: RateWindow } | RateRefusal;

/** Milliseconds of one fixed window. */
export const RATE_WINDOW_MS = 60_000;
/** How long a concurrency refusal asks the client to wait: a slot frees when any call ends. */
export const CONCURRENCY_RETRY_MS = 1_000;

export interface RateLimits {
  /**
   * Counts one request of a route that is not metered (balance, usage, keys, models, ...), with the
   * presented key re-checked in the same step (INVALID_API_KEY when it is not live).
   */
  hit(accountId: string, table: RateLimitTable, now: number, key: PresentedKey | null): Promise<RateResult>;
  /**
   * A RapidAPI call (no hold): counts it and marks it in flight until `ttlMs` from now, in one step,
   * if both limits allow. The marker goes when the call's accrual lands (same call id) or `end`.
   */
  begin(accountId: string, callId: string, table: RateLimitTable, ttlMs: number, now: number): Promise<RateResult>;
  /** Drops an in-flight marker (a failed RapidAPI call, which accrues nothing). Idempotent. */
  end(accountId: string, callId: string): Promise<void>;
}
