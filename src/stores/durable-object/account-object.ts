import { DurableObject } from "cloudflare:workers";
import type { MoneyMetrics } from "../../analytics/types.ts";
import { startOfUtcDay } from "../../lib/time.ts";
import type { RateLimitTable, RateResult } from "../limit-ports.ts";
import type {
  PaymentAdjustment,
  PaymentResult,
  PlanAllowanceRequest,
  PlanChangeRequest,
  PurchaseRequest,
  RecordRequest,
} from "../payment-ports.ts";
import type {
  AccountInfo,
  Balance,
  CreditRequest,
  CreditResult,
  DailyUsage,
  KeyRecord,
  LedgerEntry,
  NewKey,
  PresentedKey,
  ReserveResult,
  SettleResult,
  StaleHold,
  UsageCharge,
} from "../ports.ts";
import { STALE_HOLD_RETENTION_MS } from "../ports.ts";
import type { RapidApiAccrual, RapidApiDay, RapidApiOutcome } from "../rapidapi-ports.ts";
import { AccountAnalytics } from "./account-analytics.ts";
import { AccountKeys, KEY_REFUSED, type KeyRefused } from "./account-keys.ts";
import { AccountLedger } from "./account-ledger.ts";
import { AccountLimits } from "./account-limits.ts";
import { AccountPayments } from "./account-payments.ts";
import { AccountRapidApi } from "./account-rapidapi.ts";
import { AccountSubscriptions } from "./account-subscriptions.ts";
import type { AnalyticsObject } from "./analytics-object.ts";
import { ENTRY_COLUMNS, type EntryRow, LEDGER_SCHEMA, migrateLedger, toEntry } from "./ledger-rows.ts";
import { type OpsBindings, opsObject } from "./ops.ts";

/**
 * One object per account: it serialises that account's money. Every balance change and
 * its ledger entry (with the idempotency key that guards it) commit in one SQLite
 * transaction; holds count only while unexpired. Operations a caller's key performs first
 * check, in the same step, that the key is live here, and return KEY_REFUSED when it is not.
 */
export class AccountObject extends DurableObject {
  private readonly sql: SqlStorage;
  private readonly storage: DurableObjectStorage;
  private readonly keys: AccountKeys;
  private readonly ledger: AccountLedger;
  private readonly payments: AccountPayments;
  private readonly rapidapi: AccountRapidApi;
  private readonly limits: AccountLimits;
  private readonly subscriptions: AccountSubscriptions;
  private readonly ops: Partial<OpsBindings>;
  private readonly analytics: AccountAnalytics;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.ops = (env ?? {}) as Partial<OpsBindings>;
    this.storage = ctx.storage;
    this.sql = ctx.storage.sql;
    for (const statement of LEDGER_SCHEMA) this.sql.exec(statement);
    migrateLedger(this.sql);
    this.keys = new AccountKeys(this.sql);
    this.ledger = new AccountLedger(this.sql);
    this.payments = new AccountPayments(this.ledger);
    this.rapidapi = new AccountRapidApi(this.ledger);
    this.limits = new AccountLimits(this.ledger);
    this.subscriptions = new AccountSubscriptions(this.ledger, this.payments);
    const bindings = env as { ANALYTICS?: DurableObjectNamespace<AnalyticsObject> } | undefined;
    this.analytics = new AccountAnalytics(this.ledger, ctx, bindings?.ANALYTICS);
  }

  /**
   * Every settle, accrual, payment and credit also counts in the per-day aggregates: `operation`
   * runs in a transaction with the outbox row of what it wrote (src/stores/durable-object/account-analytics.ts),
   * delivered after the answer. `key` is its idempotency key.
   */
  private tracked<T>(
    accountId: string,
    key: string,
    now: number,
    operation: () => T,
    cash?: (result: T) => Partial<MoneyMetrics>,
  ): T {
    const result = this.storage.transactionSync(() => this.analytics.track(accountId, key, now, operation, cash));
    this.analytics.deliverSoon();
    return result;
  }

  create(account: Omit<AccountInfo, "created_at">, now: number): AccountInfo {
    return this.ledger.ensure(account.id, account.source, account.plan, now);
  }

  info(): AccountInfo | null {
    return this.ledger.account();
  }

  balance(accountId: string, now: number, key: PresentedKey | null): Balance | KeyRefused {
    return this.storage.transactionSync(() =>
      this.keys.admits(key, now) ? this.ledger.snapshot(accountId, now) : KEY_REFUSED,
    );
  }

  credit(accountId: string, request: CreditRequest, now: number): CreditResult {
    return this.tracked(accountId, `credit:${request.idempotency_key}`, now, () =>
      this.creditLedger(accountId, request, now),
    );
  }

  private creditLedger(accountId: string, request: CreditRequest, now: number): CreditResult {
    return this.storage.transactionSync((): CreditResult => {
      const replay = this.ledger.replay(request.idempotency_key);
      if (replay)
        return { status: "replayed", entry: toEntry(accountId, replay), balance: this.ledger.snapshot(accountId, now) };
      if (!this.ledger.account()) {
        if (!request.create_account) return { status: "account_not_found" };
        this.ledger.ensure(accountId, "key", null, now);
      }
      // Past 2^53 - 1 a balance is no longer an exact integer in JavaScript: refuse, apply nothing.
      if (request.amount_micros > 0 && request.amount_micros > Number.MAX_SAFE_INTEGER - this.ledger.balanceMicros()) {
        return { status: "limit_exceeded", balance: this.ledger.snapshot(accountId, now) };
      }
      const entry = this.ledger.write(
        accountId,
        {
          amount: request.amount_micros,
          reason: request.reason,
          reference: request.reference,
          idempotency_key: request.idempotency_key,
          request_id: null,
          provider: null,
          model: null,
          usage: null,
          cost_usd: null,
          uncollected: null,
        },
        now,
      );
      return { status: "applied", entry, balance: this.ledger.snapshot(accountId, now) };
    });
  }

  reserve(
    accountId: string,
    holdId: string,
    amount: number,
    ttlMs: number,
    now: number,
    key: PresentedKey | null,
    limits?: RateLimitTable,
  ): ReserveResult | KeyRefused {
    return this.storage.transactionSync((): ReserveResult | KeyRefused => {
      if (!this.keys.admits(key, now)) return KEY_REFUSED;
      // Expired holds stop counting at once but are kept a while, so an operator sees calls that outlived them.
      this.sql.exec("DELETE FROM holds WHERE expires_at <= ?", now - STALE_HOLD_RETENTION_MS);
      const existing = this.ledger.one<{ id: string }>("SELECT id FROM holds WHERE id = ?", holdId);
      if (existing) {
        const window = limits ? this.limits.peek(limits, now).window : null;
        return { status: "reserved", balance: this.ledger.snapshot(accountId, now), window };
      }
      // The limits first: a refused call holds nothing and is not counted.
      const rate = limits ? this.limits.check(limits, now, true) : null;
      if (rate && rate.result.status === "rate_limited") {
        return { ...rate.result, balance: this.ledger.snapshot(accountId, now) };
      }
      const available = this.ledger.balanceMicros() - this.ledger.heldMicros(now);
      if (amount > available) {
        return { status: "insufficient", available_micros: available, balance: this.ledger.snapshot(accountId, now) };
      }
      this.sql.exec("INSERT INTO holds (id, amount, expires_at) VALUES (?, ?, ?)", holdId, amount, now + ttlMs);
      void this.checkHoldsAt(now + ttlMs);
      rate?.commit();
      return { status: "reserved", balance: this.ledger.snapshot(accountId, now), window: rate?.result.window ?? null };
    });
  }

  /** One request of a route that is not metered: the key re-checked and the window counted, in one step. */
  hitLimit(table: RateLimitTable, now: number, key: PresentedKey | null): RateResult | KeyRefused {
    return this.storage.transactionSync((): RateResult | KeyRefused => {
      if (!this.keys.admits(key, now)) return KEY_REFUSED;
      const { result, commit } = this.limits.check(table, now, false);
      commit();
      return result;
    });
  }

  /** A RapidAPI call: counted and marked in flight if the limits allow. */
  beginCall(callId: string, table: RateLimitTable, ttlMs: number, now: number): RateResult {
    return this.storage.transactionSync(() => this.limits.begin(callId, table, ttlMs, now));
  }

  endCall(callId: string): void {
    this.limits.end(callId);
  }

  /** An alarm when the earliest hold expires, to report a hold its call outlived (see `alarm`). */
  private async checkHoldsAt(at: number): Promise<void> {
    const current = await this.storage.getAlarm();
    if (current === null || current > at) await this.storage.setAlarm(at);
  }

  /** Holds past their expiry that no settle or release removed, oldest first. */
  staleHolds(now: number): StaleHold[] {
    const account = this.ledger.account();
    if (!account) return [];
    return this.sql
      .exec<{ id: string; amount: number; expires_at: number }>(
        "SELECT id, amount, expires_at FROM holds WHERE expires_at <= ? ORDER BY expires_at, id",
        now,
      )
      .toArray()
      .map((row) => ({
        account_id: account.id,
        hold_id: row.id,
        amount_micros: row.amount,
        expired_at: row.expires_at,
      }));
  }

  /**
   * Runs when a hold may have expired: a hold still here outlived its call, so this account is
   * reported to the ops object, which lists it for an operator. Throwing retries the alarm.
   * Also the retry of analytics deltas not yet delivered: the one alarm serves both, each setting it
   * only earlier than it is, so neither pushes the other's back.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const account = this.ledger.account();
    const stale = this.ledger.one<{ n: number }>("SELECT COUNT(*) AS n FROM holds WHERE expires_at <= ?", now);
    if (account && stale && stale.n > 0 && this.ops.OPS) await opsObject(this.ops).noteStaleHolds(account.id, now);
    const next = this.ledger.one<{ at: number | null }>(
      "SELECT MIN(expires_at) AS at FROM holds WHERE expires_at > ?",
      now,
    );
    if (next?.at) await this.storage.setAlarm(next.at);
    // Last, so a failed delivery's retry is armed after (and earlier than) the next hold check.
    await this.analytics.deliver();
  }

  settle(accountId: string, holdId: string, charge: UsageCharge, now: number): SettleResult {
    return this.tracked(accountId, `settle:${holdId}`, now, () => this.settleLedger(accountId, holdId, charge, now));
  }

  private settleLedger(accountId: string, holdId: string, charge: UsageCharge, now: number): SettleResult {
    return this.storage.transactionSync((): SettleResult => {
      const settleKey = `settle:${holdId}`;
      const replay = this.ledger.replay(settleKey);
      if (replay) {
        const shortfall = this.ledger.replay(`uncollected:${holdId}`);
        return {
          status: "replayed",
          charged_micros: -replay.amount,
          uncollected_micros: shortfall?.uncollected ?? 0,
          entry: toEntry(accountId, replay),
          balance: this.ledger.snapshot(accountId, now),
        };
      }
      this.ledger.ensure(accountId, "key", null, now);
      // An unexpired hold has kept its amount aside; an expired one has not, so the charge
      // takes only what other holds leave, and the rest is recorded as uncollected.
      const payable = Math.max(0, this.ledger.balanceMicros() - this.ledger.heldMicros(now, holdId));
      this.sql.exec("DELETE FROM holds WHERE id = ?", holdId);
      const charged = Math.min(charge.amount_micros, payable);
      const uncollected = charge.amount_micros - charged;
      const details = {
        reference: `hold:${holdId}`,
        request_id: charge.request_id,
        provider: charge.provider,
        model: charge.model,
        usage: charge.usage,
        cost_usd: charge.cost_usd,
      };
      const entry = this.ledger.write(
        accountId,
        { ...details, amount: -charged, reason: "usage", idempotency_key: settleKey, uncollected: null },
        now,
      );
      if (uncollected > 0) {
        this.ledger.write(
          accountId,
          { ...details, amount: 0, reason: "uncollected", idempotency_key: `uncollected:${holdId}`, uncollected },
          now,
        );
      }
      return {
        status: "settled",
        charged_micros: charged,
        uncollected_micros: uncollected,
        entry,
        balance: this.ledger.snapshot(accountId, now),
      };
    });
  }

  release(holdId: string): boolean {
    return this.sql.exec("DELETE FROM holds WHERE id = ?", holdId).rowsWritten > 0;
  }

  entries(
    accountId: string,
    before: number | null,
    limit: number,
    now: number,
    key: PresentedKey | null,
  ): LedgerEntry[] | KeyRefused {
    if (!this.keys.admits(key, now)) return KEY_REFUSED;
    return this.sql
      .exec<EntryRow>(
        `SELECT ${ENTRY_COLUMNS} FROM ledger WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
        before ?? Number.MAX_SAFE_INTEGER,
        limit,
      )
      .toArray()
      .map((row) => toEntry(accountId, row));
  }

  /** Whole UTC days: `since` counts from the start of its day. */
  daily(since: number, now: number, key: PresentedKey | null): DailyUsage[] | KeyRefused {
    if (!this.keys.admits(key, now)) return KEY_REFUSED;
    return this.sql
      .exec<{ date: string; charged: number; requests: number }>(
        `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS date,
                -SUM(amount) AS charged, COUNT(*) AS requests
         FROM ledger WHERE reason = 'usage' AND created_at >= ?
         GROUP BY date ORDER BY date DESC`,
        startOfUtcDay(since),
      )
      .toArray()
      .map((row) => ({ date: row.date, charged_micros: row.charged, requests: row.requests }));
  }

  purchase(accountId: string, request: PurchaseRequest, now: number): PaymentResult {
    return this.tracked(accountId, `payment:${request.event_id}`, now, () =>
      this.payments.purchase(accountId, request, now),
    );
  }

  adjustPayment(accountId: string, adjustment: PaymentAdjustment, now: number): PaymentResult {
    let cash: (() => Partial<MoneyMetrics>) | null = null;
    return this.tracked(
      accountId,
      `payment:${adjustment.event_id}`,
      now,
      () => {
        cash = this.analytics.adjustmentCash(adjustment);
        return this.payments.adjust(accountId, adjustment, now);
      },
      (result) => (result.status === "applied" && cash ? cash() : {}),
    );
  }

  /** A null account is the object that keeps the unassigned events. */
  recordPayment(accountId: string | null, request: RecordRequest, now: number) {
    return this.storage.transactionSync(() => this.payments.record(accountId, request, now));
  }

  planAllowance(accountId: string, request: PlanAllowanceRequest, now: number): PaymentResult {
    return this.tracked(
      accountId,
      `payment:${request.event_id}`,
      now,
      () => this.subscriptions.planAllowance(accountId, request, now),
      // The invoice's cents are cash revenue, once per invoice, whether or not it grants an allowance.
      (result) =>
        result.status === "applied" && result.outcome === "granted"
          ? { purchase_cents: request.amount_paid_cents }
          : {},
    );
  }

  setPlan(accountId: string, request: PlanChangeRequest, now: number): PaymentResult {
    return this.storage.transactionSync(() => this.subscriptions.setPlan(accountId, request, now));
  }

  stripeCustomer(): string | null {
    return this.subscriptions.customer();
  }

  linkStripeCustomer(customerId: string) {
    return this.storage.transactionSync(() => this.subscriptions.linkCustomer(customerId));
  }

  accrueRapidApi(accountId: string, accrual: RapidApiAccrual, now: number): RapidApiOutcome {
    return this.tracked(accountId, `rapid:${accrual.call_id}`, now, () => {
      // The call's accrual ends it: its in-flight marker goes in the same step.
      this.limits.end(accrual.call_id);
      return this.rapidapi.accrue(accountId, accrual, now);
    });
  }

  rapidApiReport(from: string, to: string): RapidApiDay[] {
    return this.rapidapi.report(from, to);
  }

  paymentEvents(limit: number) {
    return this.payments.events(limit);
  }

  addKey(accountId: string, key: NewKey, now: number, presented: PresentedKey | null): KeyRecord | KeyRefused {
    return this.storage.transactionSync(() => {
      if (!this.keys.admits(presented, now)) return KEY_REFUSED;
      this.ledger.ensure(accountId, "key", null, now);
      return this.keys.add(accountId, key, now);
    });
  }

  listKeys(accountId: string, now: number, presented: PresentedKey | null): KeyRecord[] | KeyRefused {
    return this.storage.transactionSync(() =>
      this.keys.admits(presented, now) ? this.keys.list(accountId) : KEY_REFUSED,
    );
  }

  rotateKey(
    accountId: string,
    keyId: string,
    next: { prefix: string; hash: string },
    now: number,
    presented: PresentedKey | null,
  ): { key: KeyRecord; old_hash: string } | null | KeyRefused {
    return this.storage.transactionSync(() =>
      this.keys.admits(presented, now) ? this.keys.rotate(accountId, keyId, next) : KEY_REFUSED,
    );
  }

  revokeKey(
    accountId: string,
    keyId: string,
    now: number,
    presented: PresentedKey | null,
  ): KeyRecord | null | KeyRefused {
    return this.storage.transactionSync(() =>
      this.keys.admits(presented, now) ? this.keys.revoke(accountId, keyId, now) : KEY_REFUSED,
    );
  }
}
