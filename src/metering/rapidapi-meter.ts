import type { Caller } from "../lib/caller.ts";
import { randomHex } from "../lib/crypto.ts";
import { ApiError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import type { RateLimitTable, RateWindow } from "../stores/limit-ports.ts";
import type { UsageCharge } from "../stores/ports.ts";
import type { RapidApiOutcome } from "../stores/rapidapi-ports.ts";
import type { CatalogEntry } from "./catalog-types.ts";
import type { CallProgress, Hold } from "./hold.ts";
import { queueEnding } from "./ledger-queue.ts";
import { type CallMeter, type MeterDeps, priceCall, retried, type UsageNotes, usageOutOfRange } from "./meter.ts";
import type { Priced, UsageRecord } from "./pricing.ts";
import { rateLimited } from "./rate-limit.ts";

/** The header RapidAPI bills its subscribers by: `<object>=<whole units>`. */
export const RAPIDAPI_BILLING_HEADER = "x-rapidapi-billing";

/**
 * A RapidAPI subscriber's call (DESIGN "Auth"): no hold and no prepaid balance. The call's exact
 * cost is accrued on the subscriber's account, and each answer reports, in `X-RapidAPI-Billing`,
 * the whole credits that cover all that is owed so far (the store carries the surplus). A stream's
 * header covers what was owed before it; its own cost is accrued at its end and billed by the next
 * answer. If the store cannot take the accrual, the answer bills 0 and the accrual is retried in
 * the background without billing, so the next answer bills it: nothing is lost, nothing billed twice.
 * A billing step that timed out may still have landed (a slow store): its retry says so
 * (`billing_lost`), and the store gives the credits that step billed back to owed.
 * With limits, `open` counts the call against the plan's rate limits and marks it in flight (one
 * store step); its accrual removes the marker in its own step, a call that accrues nothing drops it.
 */
export class RapidApiMeter<H extends Hold = Hold> implements CallMeter<H> {
  readonly hold: H;
  private readonly callId = `call_${randomHex(16)}`;
  private work: Promise<unknown> | null = null;
  private markEnded: () => void = () => {};
  /** Background steps beside the call's own accrual (a stream header's lost billing), kept alive by `ended`. */
  private readonly aside: Promise<unknown>[] = [];
  readonly ended: Promise<void>;

  private readonly deps: MeterDeps;
  private readonly caller: Caller;
  private readonly entry: CatalogEntry;
  private readonly requestId: string;
  private readonly billingObject: string;

  constructor(deps: MeterDeps, caller: Caller, entry: CatalogEntry, requestId: string, hold: H, billingObject: string) {
    this.deps = deps;
    this.caller = caller;
    this.entry = entry;
    this.requestId = requestId;
    this.billingObject = billingObject;
    this.hold = hold;
    const accrued = new Promise<void>((resolve) => {
      this.markEnded = resolve;
    });
    this.ended = accrued.then(() => Promise.all(this.aside)).then(() => undefined);
  }

  /** A stream's headers (its billing) went out before its end: its own accrual bills nothing. */
  private headersSent = false;
  /** Whether a store marker counts this call in flight (dropped when the call accrues nothing). */
  private marked = false;
  /** The request window `open` counted the call in (null without limits). */
  window: RateWindow | null = null;

  /** The call, counted against the subscriber plan's limits before the upstream call: 429 when over. */
  static async open<H extends Hold>(
    deps: MeterDeps,
    caller: Caller,
    entry: CatalogEntry,
    requestId: string,
    hold: H,
    billingObject: string,
    ttlMs: number,
    limits?: RateLimitTable,
  ): Promise<RapidApiMeter<H>> {
    const meter = new RapidApiMeter(deps, caller, entry, requestId, hold, billingObject);
    if (limits) {
      const result = await deps.store.limits.begin(caller.account_id, meter.callId, limits, ttlMs, deps.now());
      if (result.status === "rate_limited") throw rateLimited(result);
      meter.marked = true;
      meter.window = result.window;
    }
    return meter;
  }

  /** Ends a call that accrues nothing: its in-flight marker goes (it would expire anyway). */
  private endWithoutAccrual(): void {
    const work = this.marked
      ? retried(() => this.deps.store.limits.end(this.caller.account_id, this.callId)).catch(() => undefined)
      : Promise.resolve();
    this.work = work;
    work.then(this.markEnded);
  }

  private header(credits: number): Record<string, string> {
    return { [RAPIDAPI_BILLING_HEADER]: `${this.billingObject}=${credits}` };
  }

  private accrue(callId: string, charge: UsageCharge | null, bill: boolean): Promise<RapidApiOutcome> {
    const { store, now } = this.deps;
    return retried(() =>
      store.rapidapi.accrue(this.caller.account_id, { call_id: callId, charge, bill, plan: this.caller.plan }, now()),
    );
  }

  /**
   * Stores, in the background and without billing, a step whose answer billed 0; past the quick
   * retries it goes to the ledger queue. `billingLost`: the step first tried to bill and did not
   * come back, so if it landed after all, the store gives back what it billed.
   */
  private later(callId: string, charge: UsageCharge | null, billingLost: boolean): Promise<void> {
    const { store, now } = this.deps;
    const at = now();
    const accrual = {
      call_id: callId,
      charge,
      bill: false,
      plan: this.caller.plan,
      ...(billingLost ? { billing_lost: true } : {}),
    };
    return retried(() => store.rapidapi.accrue(this.caller.account_id, accrual, at)).then(
      () => undefined,
      (error: unknown) => {
        log("error", "rapidapi accrual not stored", {
          request_id: this.requestId,
          call_id: callId,
          charged_micros: charge?.amount_micros ?? 0,
          error: error instanceof ApiError ? error.code : "unknown",
        });
        const message = { kind: "accrue" as const, account_id: this.caller.account_id, accrual, at };
        return queueEnding(this.deps.ledgerQueue, message, this.requestId);
      },
    );
  }

  private chargeOf(usage: UsageRecord, priced: Priced, micros: number, notes: UsageNotes = {}): UsageCharge {
    const recorded = Object.fromEntries(Object.entries(usage).filter(([, n]) => n)) as Record<string, number>;
    for (const [name, count] of Object.entries(notes)) {
      if (!(name in usage) && Number.isSafeInteger(count) && count >= 0) recorded[name] = count;
    }
    return {
      amount_micros: micros,
      request_id: this.requestId,
      provider: this.entry.provider,
      model: this.entry.id,
      usage: recorded,
      cost_usd: priced.cost_usd,
    };
  }

  /** Accrues in the background, without billing: the next answer bills it. */
  private accrueLater(charge: UsageCharge, billingLost: boolean): void {
    const work = this.later(this.callId, charge, billingLost);
    this.work = work;
    work.finally(this.markEnded);
  }

  async settle(usage: UsageRecord, notes?: UsageNotes): Promise<Record<string, string>> {
    if (this.work) return this.header(0);
    const priced = priceCall(this.deps, this.entry, this.hold, usage, true);
    if (!priced) {
      this.endWithoutAccrual();
      log("error", "provider reported usage out of range", { request_id: this.requestId, usage });
      throw usageOutOfRange();
    }
    const charge = this.chargeOf(usage, priced, priced.micros, notes);
    // A stream's answer has gone out: its cost is owed, billed by the next answer.
    if (this.headersSent) {
      this.accrueLater(charge, false);
      return this.header(0);
    }
    const billed = this.accrue(this.callId, charge, true);
    this.work = billed;
    try {
      const outcome = await billed;
      this.markEnded();
      return this.header(outcome.billed_credits);
    } catch {
      // The store is down (or slow) past the retries: bill nothing now; the accrual waits for the
      // store, and gives back what this step billed if it landed after all.
      this.work = null;
      this.accrueLater(charge, true);
      return this.header(0);
    }
  }

  settleInterrupted(progress: CallProgress): void {
    if (this.work) return;
    let usage = this.hold.interrupted(progress);
    let priced = priceCall(this.deps, this.entry, this.hold, usage, progress.reported !== undefined);
    if (!priced) {
      usage = this.hold.interrupted({ streamedBytes: progress.streamedBytes });
      priced = priceCall(this.deps, this.entry, this.hold, usage, false);
    }
    if (!priced) {
      this.endWithoutAccrual();
      return;
    }
    this.accrueLater(this.chargeOf(usage, priced, Math.min(priced.micros, this.hold.micros)), false);
  }

  /** Nothing was held: a failed call owes nothing. */
  async release(): Promise<unknown> {
    if (!this.work) this.endWithoutAccrual();
    return null;
  }

  async streamHeaders(): Promise<Record<string, string>> {
    const callId = `bill_${this.callId}`;
    this.headersSent = true;
    try {
      const outcome = await this.accrue(callId, null, true);
      return this.header(outcome.billed_credits);
    } catch {
      // Owed credits stay owed, billed by a later answer; if this step landed late, it is undone.
      this.aside.push(this.later(callId, null, true));
      return this.header(0);
    }
  }
}
