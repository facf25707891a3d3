import { randomHex } from "../lib/crypto.ts";
import { ApiError } from "../lib/errors.ts";
import { formatCredits } from "../lib/money.ts";
import type { Caller } from "../lib/types.ts";
import type { Store } from "../stores/ports.ts";
import type { ChatBound } from "./bounds.ts";
import type { CatalogEntry } from "./catalog-types.ts";
import { type PricingConfig, priceUsage, type UsageRecord } from "./pricing.ts";

/** Settle and release are idempotent by hold id, so a store blip at the end of a call is retried. */
async function retried<T>(work: () => Promise<T>, delays = [100, 400]): Promise<T> {
  for (const delay of delays) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "STORE_UNAVAILABLE")) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  return work();
}

/** Streams are cut off after this long, so a hold's lifetime is bounded. */
export const MAX_STREAM_MS = 10 * 60_000;

export interface MeterDeps {
  store: Store;
  now: () => number;
  pricing: PricingConfig;
}

export interface Settled {
  charged_micros: number;
  /** Available to spend after the settle: balance minus other holds. */
  remaining_micros: number;
}

/**
 * One metered call: the hold placed before the upstream call, then exactly one of settle
 * (charge the actual usage) or release (charge nothing). Both are idempotent, and a
 * second, different ending is ignored, so racing endings (stream end vs client gone) are safe.
 */
interface MeterState {
  deps: MeterDeps;
  caller: Caller;
  entry: CatalogEntry;
  requestId: string;
  holdId: string;
  bound: ChatBound;
  /** Available to spend once the hold is placed. */
  remainingAfterHold: number;
}

export class Meter {
  private ending: Promise<Settled | null> | null = null;
  private readonly state: MeterState;
  private markEnded: () => void = () => {};
  /** Resolves once the call is settled or released (or that failed): hand it to waitUntil. */
  readonly ended: Promise<void>;

  private constructor(state: MeterState) {
    this.state = state;
    this.ended = new Promise((resolve) => {
      this.markEnded = resolve;
    });
  }

  private end(work: Promise<Settled | null>): Promise<Settled | null> {
    this.ending ??= work;
    this.ending.then(this.markEnded, this.markEnded);
    return this.ending;
  }

  get bound(): ChatBound {
    return this.state.bound;
  }

  get remainingAfterHold(): number {
    return this.state.remainingAfterHold;
  }

  /**
   * Holds the bound. `boundFor(available)` computes it; when the client set no output limit
   * it can shrink to what the balance affords, which costs a second try only when the first
   * hold did not fit.
   */
  static async open(
    deps: MeterDeps,
    caller: Caller,
    entry: CatalogEntry,
    requestId: string,
    ttlMs: number,
    boundFor: (available: number) => ChatBound,
  ): Promise<Meter> {
    // Never derived from the request id: clients may send their own x-request-id, and reuse it.
    const holdId = `hold_${randomHex(16)}`;
    let bound = boundFor(Number.MAX_SAFE_INTEGER);
    let result = await deps.store.ledger.reserve(
      caller.account_id,
      holdId,
      bound.micros,
      ttlMs,
      deps.now(),
      caller.key,
    );
    if (result.status === "insufficient" && bound.max_output_to_send !== undefined) {
      bound = boundFor(result.available_micros);
      result = await deps.store.ledger.reserve(caller.account_id, holdId, bound.micros, ttlMs, deps.now(), caller.key);
    }
    if (result.status === "insufficient") {
      throw new ApiError(
        "INSUFFICIENT_CREDITS",
        `This call needs up to ${formatCredits(bound.micros)} credits held; your balance is ${formatCredits(
          Math.max(0, result.available_micros),
        )} credits.`,
      );
    }
    const remainingAfterHold = result.balance.balance_micros - result.balance.held_micros;
    return new Meter({ deps, caller, entry, requestId, holdId, bound, remainingAfterHold });
  }

  /** Charges the usage (priced from the catalog) and drops the hold. */
  settle(usage: UsageRecord): Promise<Settled | null> {
    if (this.ending) return this.ending;
    const { deps, caller, entry, requestId, holdId } = this.state;
    return this.end(
      (async () => {
        const priced = priceUsage(entry, usage, deps.now(), deps.pricing);
        const charge = {
          amount_micros: priced.micros,
          request_id: requestId,
          provider: entry.provider,
          model: entry.id,
          usage: Object.fromEntries(Object.entries(usage).filter(([, n]) => n)) as Record<string, number>,
          cost_usd: priced.cost_usd,
        };
        const result = await retried(() => deps.store.ledger.settle(caller.account_id, holdId, charge, deps.now()));
        return {
          charged_micros: result.charged_micros,
          remaining_micros: result.balance.balance_micros - result.balance.held_micros,
        };
      })(),
    );
  }

  /** The disconnect rule: reported usage if any, else the bound's input and ceil(bytes streamed / 4) output. */
  settleInterrupted(reported: UsageRecord | undefined, streamedBytes: number): Promise<Settled | null> {
    return this.settle(reported ?? { input: this.state.bound.input_tokens, output: Math.ceil(streamedBytes / 4) });
  }

  /** Drops the hold: the upstream call failed, so nothing is charged. */
  release(): Promise<Settled | null> {
    if (this.ending) return this.ending;
    const { deps, caller, holdId } = this.state;
    return this.end(retried(() => deps.store.ledger.release(caller.account_id, holdId, deps.now())).then(() => null));
  }
}
