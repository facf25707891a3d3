import type { Caller } from "../lib/caller.ts";
import { randomHex } from "../lib/crypto.ts";
import { ApiError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { formatCredits } from "../lib/money.ts";
import type { RateLimitTable, RateWindow } from "../stores/limit-ports.ts";
import type { Store } from "../stores/ports.ts";
import { creditHeaders } from "./call-context.ts";
import type { CatalogEntry } from "./catalog-types.ts";
import { type CallProgress, type Hold, insufficientCredits } from "./hold.ts";
import { type LedgerMessage, type LedgerQueue, queueEnding, storeStillDown } from "./ledger-queue.ts";
import { type Priced, type PricingConfig, priceUsage, type UsageRecord } from "./pricing.ts";
import { rateLimited } from "./rate-limit.ts";

/** Seconds before the release of a reserve whose answer was lost is delivered (see `Meter.open`). */
export const LOST_RESERVE_RELEASE_DELAY_S = 10;

/** Settle and release are idempotent by hold id, so a store blip at the end of a call is retried. */
export async function retried<T>(work: () => Promise<T>, delays = [100, 400]): Promise<T> {
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

/**
 * Prices a call's usage, or undefined when it cannot be priced (bad counts) or, for usage a
 * provider reported, when it is out of any sane range. The hold's own estimates are capped at it.
 */
export function priceCall(
  deps: MeterDeps,
  entry: CatalogEntry,
  hold: Hold,
  usage: UsageRecord,
  reported: boolean,
): Priced | undefined {
  try {
    const priced = priceUsage(entry, usage, deps.now(), deps.pricing);
    return !reported || priced.micros <= SANE_USAGE_FACTOR * Math.max(hold.micros, 1) ? priced : undefined;
  } catch {
    return undefined;
  }
}

/** Usage a provider reported that the gateway cannot trust: the call is the provider's failure. */
export function usageOutOfRange(): ApiError {
  return new ApiError(
    "PROVIDER_ERROR",
    "The provider reported usage the gateway cannot trust. Nothing was charged; retry later.",
  );
}

/** What every metered call's accounting offers the answer handlers, prepaid or RapidAPI. */
export interface CallMeter<H extends Hold = Hold> {
  readonly hold: H;
  /** Resolves once the store has the call's ending (or gave up): hand it to waitUntil. */
  readonly ended: Promise<void>;
  /** Charges the usage the provider reported; resolves with the headers the answer carries. */
  settle(usage: UsageRecord, notes?: UsageNotes): Promise<Record<string, string>>;
  /** A call cut short once the provider was called: the hold's fair estimate, never above it. */
  settleInterrupted(progress: CallProgress): void;
  /** The upstream call failed: nothing is charged. */
  release(): Promise<unknown>;
  /** The headers a stream starts with, before its cost is known. */
  streamHeaders(): Promise<Record<string, string>>;
}

export interface MeterDeps {
  store: Store;
  /** Where endings go when the store cannot take them (unbound: they are logged as lost). */
  ledgerQueue?: LedgerQueue;
  now: () => number;
  pricing: PricingConfig;
}

/**
 * Counts a provider reported that the gateway does not price (ElevenLabs' `character-cost`): kept
 * beside the priced usage in the ledger entry, for reconciling with the provider's bill. They never
 * reach `priceUsage`, so a name without a catalog price is safe; a name the usage already has is dropped.
 */
export type UsageNotes = Record<string, number>;

/** What a call is charged, known in the Worker before the store confirms it. */
export interface Charge {
  charged_micros: number;
  /** Available to spend once it is charged: balance minus other holds, as the hold found them. */
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
  /** The request window once this call was counted; null when no limits were given. */
  window: RateWindow | null;
}

/**
 * One metered call: the hold placed before the upstream call, then exactly one of settle
 * (charge the actual usage) or release (charge nothing). Both are idempotent, and a
 * second, different ending is ignored, so racing endings (stream end vs client gone) are safe.
 *
 * A settle is decided in the Worker (pricing is deterministic, so the charge is exact) and sent
 * to the store without the answer waiting for it (DESIGN "When settle runs"): `ended` keeps it
 * alive through `waitUntil`, and until it lands the hold still covers the call. A release is
 * awaited by the failing answer, so a client that retries finds its full balance.
 */
export class Meter<H extends Hold = Hold> implements CallMeter<H> {
  /** The store's work for the ending: the settle or release, retried; null before the call ends. */
  private stored: Promise<boolean> | null = null;
  /** The decided charge; null once released. */
  private decided: Charge | null = null;
  private readonly state: MeterState<H>;
  private markEnded: () => void = () => {};
  /** Resolves once the store has the ending (or gave up): hand it to waitUntil. */
  readonly ended: Promise<void>;

  private constructor(state: MeterState<H>) {
    this.state = state;
    this.ended = new Promise((resolve) => {
      this.markEnded = resolve;
    });
  }

  /** The store's work for the call's ending; rejects when the store could not take it. */
  get outcome(): Promise<boolean> | null {
    return this.stored;
  }

  private end(work: Promise<boolean>, charge: Charge | null, message: LedgerMessage): Promise<boolean> {
    this.decided = charge;
    this.stored = work;
    work.then(this.markEnded, (error: unknown) => {
      // Past the quick retries: the ending waits in the ledger queue until the store is back; the
      // hold keeps covering the call meanwhile. `ended` waits for the queue to take it.
      log("error", "call ending not stored", {
        request_id: this.state.requestId,
        hold_id: this.state.holdId,
        charged_micros: charge?.charged_micros ?? 0,
        error: error instanceof ApiError ? error.code : "unknown",
      });
      queueEnding(this.state.deps.ledgerQueue, message, this.state.requestId).finally(this.markEnded);
    });
    return work;
  }

  get hold(): H {
    return this.state.hold;
  }

  get remainingAfterHold(): number {
    return this.state.remainingAfterHold;
  }

  /** The request window the hold's step counted this call in (null without limits). */
  get window(): RateWindow | null {
    return this.state.window;
  }

  /**
   * Places the hold. A hold that does not fit the balance shrinks to what it affords when it
   * can (a second try only then); otherwise the call is refused with 402. With `limits` the
   * same store step checks and counts the plan's rate limits: over them, 429 and nothing held.
   */
  static async open<H extends Hold>(
    deps: MeterDeps,
    caller: Caller,
    entry: CatalogEntry,
    requestId: string,
    ttlMs: number,
    initial: H,
    limits?: RateLimitTable,
  ): Promise<Meter<H>> {
    // Never derived from the request id: clients may send their own x-request-id, and reuse it.
    const holdId = `hold_${randomHex(16)}`;
    let hold = initial;
    const reserve = async () => {
      try {
        return await deps.store.ledger.reserve(
          caller.account_id,
          holdId,
          hold.micros,
          ttlMs,
          deps.now(),
          caller.key,
          limits,
        );
      } catch (error) {
        // A store request past its time limit may still have run (Redis: the script placed the hold,
        // only its answer was lost), which would keep the hold of a refused call until its TTL.
        // Releasing this hold id through the ledger queue undoes that once the store is reachable;
        // the delay lets a late request land first. Releasing a hold never placed changes nothing.
        if (storeStillDown(error)) {
          const message = { kind: "release" as const, account_id: caller.account_id, hold_id: holdId, at: deps.now() };
          await queueEnding(deps.ledgerQueue, message, requestId, { delaySeconds: LOST_RESERVE_RELEASE_DELAY_S });
        }
        throw error;
      }
    };
    let result = await reserve();
    if (result.status === "insufficient" && hold.shrink) {
      // A capability's shrink returns a hold of its own kind (a ChatHold shrinks to a ChatHold).
      hold = hold.shrink(result.available_micros) as H;
      result = await reserve();
    }
    if (result.status === "rate_limited") throw rateLimited(result);
    if (result.status === "insufficient") throw insufficientCredits(result.available_micros, hold.micros);
    const remainingAfterHold = result.balance.balance_micros - result.balance.held_micros;
    const window = result.window;
    return new Meter({ deps, caller, entry, requestId, holdId, hold, remainingAfterHold, window });
  }

  private price(usage: UsageRecord, reported: boolean): Priced | undefined {
    const { deps, entry, hold } = this.state;
    return priceCall(deps, entry, hold, usage, reported);
  }

  private charge(usage: UsageRecord, priced: Priced, micros: number, notes: UsageNotes = {}): Charge {
    const { deps, caller, entry, requestId, holdId, hold, remainingAfterHold } = this.state;
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
    // The store charges at most what the balance minus other holds allows: the hold's own amount
    // plus what was left beside it. The rest would be recorded as uncollected.
    const payable = remainingAfterHold + hold.micros;
    const charged = Math.min(micros, payable);
    const decided = { charged_micros: charged, remaining_micros: payable - charged };
    const at = deps.now();
    this.end(
      retried(() => deps.store.ledger.settle(caller.account_id, holdId, charge, at)).then(() => true),
      decided,
      { kind: "settle", account_id: caller.account_id, hold_id: holdId, charge, at },
    );
    return decided;
  }

  /** What a second ending answers: the first one's charge (nothing, if it was a release). */
  private get first(): Charge {
    const { remainingAfterHold, hold } = this.state;
    return this.decided ?? { charged_micros: 0, remaining_micros: remainingAfterHold + hold.micros };
  }

  /**
   * Charges the usage the provider reported (priced from the catalog) and drops the hold, without
   * waiting for the store. Usage out of any sane range is the provider's failure: the hold is
   * released and this throws 502. `notes` are recorded in the ledger entry, never priced.
   */
  async settle(usage: UsageRecord, notes?: UsageNotes): Promise<Record<string, string>> {
    return creditHeaders(await this.settleCharge(usage, notes));
  }

  async streamHeaders(): Promise<Record<string, string>> {
    return { "x-credits-remaining": formatCredits(this.state.remainingAfterHold) };
  }

  /** The settle, with the charge decided (see `settle`). */
  async settleCharge(usage: UsageRecord, notes?: UsageNotes): Promise<Charge> {
    if (this.stored) return this.first;
    const priced = this.price(usage, true);
    if (priced) return this.charge(usage, priced, priced.micros, notes);
    log("error", "provider reported usage out of range", {
      request_id: this.state.requestId,
      provider: this.state.entry.provider,
      model: this.state.entry.id,
      usage,
    });
    await this.release();
    throw usageOutOfRange();
  }

  /**
   * A call cut short once the provider was called: the hold's fair estimate, never above the
   * hold, without waiting for the store. Reported usage out of range is ignored in favour of the
   * estimate alone.
   */
  settleInterrupted(progress: CallProgress): void {
    this.settleInterruptedCharge(progress);
  }

  /** The interrupted-call settle, with the charge decided (null when nothing could be priced). */
  settleInterruptedCharge(progress: CallProgress): Charge | null {
    if (this.stored) return this.decided;
    const { hold } = this.state;
    let usage = hold.interrupted(progress);
    let priced = this.price(usage, progress.reported !== undefined);
    if (!priced) {
      usage = hold.interrupted({ streamedBytes: progress.streamedBytes });
      priced = this.price(usage, false);
    }
    if (!priced) {
      void this.release().catch(() => false);
      return null;
    }
    return this.charge(usage, priced, Math.min(priced.micros, hold.micros));
  }

  /** Drops the hold: the upstream call failed, so nothing is charged. Resolves once the store has it. */
  release(): Promise<boolean> {
    if (this.stored) return this.stored;
    const { deps, caller, holdId } = this.state;
    const at = deps.now();
    return this.end(
      retried(() => deps.store.ledger.release(caller.account_id, holdId, at)),
      null,
      {
        kind: "release",
        account_id: caller.account_id,
        hold_id: holdId,
        at,
      },
    );
  }
}
