import { ApiError } from "../lib/errors.ts";
import { formatCredits } from "../lib/money.ts";
import type { CatalogEntry } from "./catalog-types.ts";
import { type PricingConfig, priceUsage, type UsageRecord } from "./pricing.ts";

/** What a call did before it was cut short (client gone, provider failed mid-answer, stream cap). */
export interface CallProgress {
  /** Usage the provider reported so far, merged across events; absent when none arrived. */
  reported?: UsageRecord;
  /** UTF-8 bytes of output the client was sent. */
  streamedBytes: number;
}

/**
 * The money side of one call, whatever its capability: what to hold before the upstream call,
 * and what a call that was cut short costs. Holds are upper bounds: no usage the upstream
 * request allows can cost more than `micros`.
 */
export interface Hold {
  /** The µcr to hold. */
  readonly micros: number;
  /** The largest usage the upstream request allows (what `micros` pays for). */
  readonly worstCase: UsageRecord;
  /**
   * A smaller hold that fits `availableMicros`, for calls whose size the gateway chose (chat
   * without max_tokens). Throws 402 when no useful hold fits. Absent: the hold cannot shrink.
   */
  shrink?(availableMicros: number): Hold;
  /** The fair usage of a call cut short after the provider was called; charged at most `micros`. */
  interrupted(progress: CallProgress): UsageRecord;
}

export function insufficientCredits(availableMicros: number, neededMicros: number): ApiError {
  return new ApiError(
    "INSUFFICIENT_CREDITS",
    `This call needs up to ${formatCredits(neededMicros)} credits held; your balance is ${formatCredits(
      Math.max(0, availableMicros),
    )} credits.`,
  );
}

/**
 * The hold of a call whose whole charge is known before it is sent (speech: characters x price;
 * music: the clip price): exactly that charge. The provider bills such a call in full once it has
 * accepted it, so a call cut short after that is charged in full as well.
 */
export function exactHold(entry: CatalogEntry, usage: UsageRecord, now: number, pricing: PricingConfig): Hold {
  const { micros } = priceUsage(entry, usage, now, pricing);
  return { micros, worstCase: usage, interrupted: () => usage };
}
