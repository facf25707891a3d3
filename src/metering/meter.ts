import type { Caller } from "../lib/caller.ts";
import { randomHex } from "../lib/crypto.ts";
import { ApiError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import type { Store } from "../stores/ports.ts";
import type { CatalogEntry } from "./catalog-types.ts";
import { type CallProgress, type Hold, insufficientCredits } from "./hold.ts";
import { type Priced, type PricingConfig, priceUsage, type UsageRecord } from "./pricing.ts";

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

/**
 * Reported usage that costs more than this many times the hold cannot be real: the hold already
 * prices the largest usage the upstream request allows. Such a call is the provider's failure.
 */
export const SANE_USAGE_FACTOR = 10;

export interface MeterDeps {
  store: Store;
  now: () => number;
  pricing: PricingConfig;
}

/**
 * Counts a provider reported that the gateway does not price (ElevenLabs' `character-cost`): kept
 * beside the priced usage in the ledger entry, for reconciling with the provider's bill. They never
 * reach `priceUsage`, so a name without a catalog price is safe; a name the usage already has is dropped.
 */
export type UsageNotes = Record<string, number>;

export interface Settled {
  charged_micros: number;
  /** Available to spend after the settle: balance minus other holds. */
  remaining_micros: number;
}

interface MeterState<H extends Hold> {
  deps: MeterDeps;
  caller: Caller;
  entry: CatalogEntry;
  requestId: string;
  holdId: string;
  hold: H;
  /** Available to spend once the hold is placed. */
  remainingAfterHold: number;
}

/**
 * One metered call: the hold placed before the upstream call, then exactly one of settle
 * (charge the actual usage) or release (charge nothing). Both are idempotent, and a
 * second, different ending is ignored, so racing endings (stream end vs client gone) are safe.
 */
export class Meter<H extends Hold = Hold> {
  private ending: Promise<Settled | null> | null = null;
  private readonly state: MeterState<H>;
  private markEnded: () => void = () => {};
  /** Resolves once the call is settled or released (or that failed): hand it to waitUntil. */
  readonly ended: Promise<void>;

  private constructor(state: MeterState<H>) {
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

  get hold(): H {
    return this.state.hold;
  }

  get remainingAfterHold(): number {
    return this.state.remainingAfterHold;
  }

  /**
   * Places the hold. A hold that does not fit the balance shrinks to what it affords when it
   * can (a second try only then); otherwise the call is refused with 402.
   */
  static async open<H extends Hold>(
    deps: MeterDeps,
    caller: Caller,
    entry: CatalogEntry,
    requestId: string,
    ttlMs: number,
    initial: H,
  ): Promise<Meter<H>> {
    // Never derived from the request id: clients may send their own x-request-id, and reuse it.
    const holdId = `hold_${randomHex(16)}`;
    let hold = initial;
    const reserve = () =>
      deps.store.ledger.reserve(caller.account_id, holdId, hold.micros, ttlMs, deps.now(), caller.key);
    let result = await reserve();
    if (result.status === "insufficient" && hold.shrink) {
      // A capability's shrink returns a hold of its own kind (a ChatHold shrinks to a ChatHold).
      hold = hold.shrink(result.available_micros) as H;
      result = await reserve();
    }
    if (result.status === "insufficient") throw insufficientCredits(result.available_micros, hold.micros);
    const remainingAfterHold = result.balance.balance_micros - result.balance.held_micros;
    return new Meter({ deps, caller, entry, requestId, holdId, hold, remainingAfterHold });
  }

  /**
   * Prices usage, or undefined when it cannot be priced (bad counts) or, for usage a provider
   * reported, when it is out of any sane range. The hold's own estimates are capped at the hold.
   */
  private price(usage: UsageRecord, reported: boolean): Priced | undefined {
    const { deps, entry, hold } = this.state;
    try {
      const priced = priceUsage(entry, usage, deps.now(), deps.pricing);
      return !reported || priced.micros <= SANE_USAGE_FACTOR * Math.max(hold.micros, 1) ? priced : undefined;
    } catch {
      return undefined;
    }
  }

  private charge(usage: UsageRecord, priced: Priced, micros: number, notes: UsageNotes = {}): Promise<Settled | null> {
    const { deps, caller, entry, requestId, holdId } = this.state;
    const recorded = Object.fromEntries(Object.entries(usage).filter(([, n]) => n)) as Record<string, number>;
    for (const [name, count] of Object.entries(notes)) {
      if (!(name in usage) && Number.isSafeInteger(count) && count >= 0) recorded[name] = count;
    }
    const charge = {
      amount_micros: micros,
      request_id: requestId,
      provider: entry.provider,
      model: entry.id,
      usage: recorded,
      cost_usd: priced.cost_usd,
    };
    return this.end(
      retried(() => deps.store.ledger.settle(caller.account_id, holdId, charge, deps.now())).then((result) => ({
        charged_micros: result.charged_micros,
        remaining_micros: result.balance.balance_micros - result.balance.held_micros,
      })),
    );
  }

  /**
   * Charges the usage the provider reported (priced from the catalog) and drops the hold. Usage
   * out of any sane range is the provider's failure: the hold is released and this throws 502.
   * `notes` are recorded in the ledger entry, never priced.
   */
  async settle(usage: UsageRecord, notes?: UsageNotes): Promise<Settled | null> {
    if (this.ending) return this.ending;
    const priced = this.price(usage, true);
    if (priced) return this.charge(usage, priced, priced.micros, notes);
    log("error", "provider reported usage out of range", {
      request_id: this.state.requestId,
      provider: this.state.entry.provider,
      model: this.state.entry.id,
      usage,
    });
    await this.release();
    throw new ApiError(
      "PROVIDER_ERROR",
      "The provider reported usage the gateway cannot trust. Nothing was charged; retry later.",
    );
  }

  /**
   * A call cut short once the provider was called: the hold's fair estimate, never above the
   * hold. Reported usage out of range is ignored in favour of the estimate alone.
   */
  settleInterrupted(progress: CallProgress): Promise<Settled | null> {
    if (this.ending) return this.ending;
    const { hold } = this.state;
    let usage = hold.interrupted(progress);
    let priced = this.price(usage, progress.reported !== undefined);
    if (!priced) {
      usage = hold.interrupted({ streamedBytes: progress.streamedBytes });
      priced = this.price(usage, false);
    }
    if (!priced) return this.release();
    return this.charge(usage, priced, Math.min(priced.micros, hold.micros));
  }

  /** Drops the hold: the upstream call failed, so nothing is charged. */
  release(): Promise<Settled | null> {
    if (this.ending) return this.ending;
    const { deps, caller, holdId } = this.state;
    return this.end(retried(() => deps.store.ledger.release(caller.account_id, holdId, deps.now())).then(() => null));
  }
}
