import type { Caller } from "../lib/caller.ts";
import { formatCredits } from "../lib/money.ts";
import type { RateLimitTable, RateWindow } from "../stores/limit-ports.ts";
import type { MeterDeps } from "./meter.ts";

/** Streams are cut off this long after they start, so a hold's lifetime is bounded. */
export const MAX_STREAM_MS = 10 * 60_000;

/** Everything about the request that is not the capability's: who, which services, which limits. */
export interface CallContext {
  caller: Caller;
  requestId: string;
  deps: MeterDeps;
  /** Time to the upstream's first byte, and between stream bytes. */
  firstByteMs: number;
  idleMs: number;
  streamMaxMs?: number;
  /** Aborts when the client goes away. */
  clientSignal?: AbortSignal;
  /** RAPIDAPI_BILLING_OBJECT: the unit RapidAPI subscribers are billed in (`Credits`). */
  rapidApiBillingObject: string;
  /** The plan limits the call's first store step checks and counts; absent: not limited. */
  limits?: RateLimitTable;
  /** Told the request window once the call was counted (for the answer's `x-ratelimit-*` headers). */
  onRateWindow?(window: RateWindow): void;
  /** Keeps the settle alive after the answer is sent. */
  waitUntil(promise: Promise<unknown>): void;
}

/** Credit headers of an answer whose charge is known. */
export function creditHeaders(settled: { charged_micros: number; remaining_micros: number } | null) {
  const headers: Record<string, string> = {};
  if (settled) {
    headers["x-credits-charged"] = formatCredits(settled.charged_micros);
    headers["x-credits-remaining"] = formatCredits(settled.remaining_micros);
  }
  return headers;
}
