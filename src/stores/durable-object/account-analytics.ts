import {
  type AnalyticsDelta,
  type MoneyMetrics,
  moneyFieldOf,
  type UsageAggregate,
  zeroMoney,
} from "../../analytics/types.ts";
import { parseUsdAtto } from "../../analytics/usd.ts";
import { log } from "../../lib/log.ts";
import { utcDay } from "../../lib/time.ts";
import type { PaymentAdjustment } from "../payment-ports.ts";
import type { LedgerReason } from "../ports.ts";
import type { AccountLedger } from "./account-ledger.ts";
import { ANALYTICS_OBJECT } from "./analytics-name.ts";
import type { AnalyticsObject } from "./analytics-object.ts";

/** A delta not yet delivered is retried this often, by the object's alarm, until it is. */
const RETRY_MS = 30_000;
const BATCH = 100;

const SCHEMA = [
  // Deltas for the analytics object, written in the transaction of the ledger entries they count.
  "CREATE TABLE IF NOT EXISTS analytics_outbox (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)",
  // Cash movements of refunds and disputes, in cents (the payment state keeps µcr).
  "CREATE TABLE IF NOT EXISTS analytics_refunds (intent TEXT PRIMARY KEY, cents INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS analytics_disputes (id TEXT PRIMARY KEY, cents INTEGER NOT NULL)",
];

type Row = {
  reason: LedgerReason;
  amount: number;
  uncollected: number | null;
  provider: string | null;
  model: string | null;
  cost_usd: string | null;
  paid_cents: number | null;
};
type Usage = AnalyticsDelta["usage"][number];

/** What a batch of new ledger rows adds to the aggregates: exactly the entries, by reason. */
function tally(rows: Row[]): { usage: Usage[]; money: MoneyMetrics } {
  const usage = new Map<string, Usage & { atto: bigint }>();
  const money = zeroMoney();
  const usageOf = (row: Row) => {
    const provider = row.provider ?? "unknown";
    const model = row.model ?? "unknown";
    const key = `${provider}\n${model}`;
    let found = usage.get(key);
    if (!found) {
      found = { provider, model, calls: 0, charged_micros: 0, cost_atto_usd: "0", uncollected_micros: 0, atto: 0n };
      usage.set(key, found);
    }
    return found;
  };
  for (const row of rows) {
    if (row.reason === "usage") {
      const found = usageOf(row);
      found.calls += 1;
      found.charged_micros -= row.amount;
      found.atto += row.cost_usd ? parseUsdAtto(row.cost_usd) : 0n;
    } else if (row.reason === "uncollected") {
      // A settle's shortfall names its call; a claw-back's does not.
      if (row.provider !== null) usageOf(row).uncollected_micros += row.uncollected ?? 0;
      else money.owed_micros += row.uncollected ?? 0;
    } else {
      const where = moneyFieldOf(row.reason);
      if (where) money[where.field] += where.sign * row.amount;
      if (row.reason === "purchase") money.purchase_cents += row.paid_cents ?? 0;
    }
  }
  return {
    usage: [...usage.values()].map(
      ({ atto, ...rest }): Omit<UsageAggregate, "day" | "source" | "plan"> => ({
        ...rest,
        cost_atto_usd: atto.toString(),
      }),
    ),
    money,
  };
}

/**
 * The analytics side of an account object: each tracked operation writes, in its own transaction,
 * an outbox row with what its ledger entries add to the per-day aggregates; the rows are sent to the
 * analytics object after the answer (`ctx.waitUntil`) and deleted once it took them. The object's
 * alarm, armed with them, retries until the outbox is empty, so no operation is ever left out or
 * counted twice.
 */
export class AccountAnalytics {
  private readonly ledger: AccountLedger;
  private readonly ctx: DurableObjectState;
  private readonly target: DurableObjectNamespace<AnalyticsObject> | undefined;
  private draining: Promise<void> | null = null;
  private again = false;

  constructor(
    ledger: AccountLedger,
    ctx: DurableObjectState,
    target: DurableObjectNamespace<AnalyticsObject> | undefined,
  ) {
    this.ledger = ledger;
    this.ctx = ctx;
    this.target = target;
    for (const statement of SCHEMA) ledger.sql.exec(statement);
  }

  /**
   * Runs `operation` (inside the caller's transaction) and records what it wrote to the ledger, with
   * `cash` (cents of refunds and disputes) from its result. `key` is the operation's idempotency key
   * (hold id, event id, ...): the delta is applied once by account and key.
   */
  track<T>(
    accountId: string,
    key: string,
    now: number,
    operation: () => T,
    cash?: (result: T) => Partial<MoneyMetrics>,
  ): T {
    if (!this.target) return operation();
    const before = this.ledger.one<{ seq: number }>("SELECT COALESCE(MAX(seq), 0) AS seq FROM ledger")?.seq ?? 0;
    const result = operation();
    const rows = this.ledger.sql
      .exec<Row>(
        "SELECT reason, amount, uncollected, provider, model, cost_usd, paid_cents FROM ledger WHERE seq > ? ORDER BY seq",
        before,
      )
      .toArray();
    const extra = cash?.(result) ?? {};
    if (rows.length === 0 && !Object.values(extra).some((value) => value !== 0)) return result;
    const account = this.ledger.account();
    const { usage, money } = tally(rows);
    for (const [field, value] of Object.entries(extra) as [keyof MoneyMetrics, number][]) money[field] += value;
    const delta: AnalyticsDelta = {
      id: `${accountId}|${key}`,
      day: utcDay(now),
      account_id: accountId,
      source: account?.source ?? "key",
      plan: account?.plan ?? null,
      usage,
      money,
    };
    this.ledger.sql.exec(
      "INSERT OR IGNORE INTO analytics_outbox (id, body) VALUES (?, ?)",
      delta.id,
      JSON.stringify(delta),
    );
    return result;
  }

  /**
   * Reads, before a refund or dispute is applied, what it moves in cash; the function it returns
   * records that and answers the cents, to be called only once the adjustment was applied.
   */
  adjustmentCash(adjustment: PaymentAdjustment): () => Partial<MoneyMetrics> {
    const { sql } = this.ledger;
    if (adjustment.kind === "refund") {
      const prior =
        this.ledger.one<{ cents: number }>(
          "SELECT cents FROM analytics_refunds WHERE intent = ?",
          adjustment.payment_intent,
        )?.cents ?? 0;
      return () => {
        if (adjustment.refunded_cents <= prior) return {};
        sql.exec(
          "INSERT OR REPLACE INTO analytics_refunds (intent, cents) VALUES (?, ?)",
          adjustment.payment_intent,
          adjustment.refunded_cents,
        );
        return { refunded_cents: adjustment.refunded_cents - prior };
      };
    }
    const dispute = this.ledger.one<{ won: number }>("SELECT won FROM disputes WHERE id = ?", adjustment.dispute_id);
    if (adjustment.kind === "dispute") {
      if (dispute) return () => ({});
      return () => {
        sql.exec(
          "INSERT OR REPLACE INTO analytics_disputes (id, cents) VALUES (?, ?)",
          adjustment.dispute_id,
          adjustment.disputed_cents,
        );
        return { refunded_cents: adjustment.disputed_cents };
      };
    }
    if (!dispute || dispute.won) return () => ({});
    const cents =
      this.ledger.one<{ cents: number }>("SELECT cents FROM analytics_disputes WHERE id = ?", adjustment.dispute_id)
        ?.cents ?? 0;
    return () => ({ recovered_cents: cents });
  }

  /** After a tracked operation committed: deliver now (off the answer path), with the alarm as the retry. */
  deliverSoon(): void {
    if (!this.target) return;
    if (!this.ledger.one("SELECT n FROM analytics_outbox LIMIT 1")) return;
    // The retry is armed before the delivery is tried, so an object evicted meanwhile still delivers.
    const armed = this.retryBy(Date.now() + RETRY_MS).catch(() => {});
    this.ctx.waitUntil(armed.then(() => this.deliver()));
  }

  /** Sets the object's one alarm (shared with the hold checks) to `at`, unless it already fires earlier. */
  private async retryBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** Sends the outbox to the analytics object, oldest first, until it is empty; on failure the alarm retries. */
  deliver(): Promise<void> {
    // Rows written while a drain is finishing are taken by one more pass of the same drain.
    this.again = true;
    if (!this.draining) {
      this.draining = (async () => {
        while (this.again) {
          this.again = false;
          await this.drain();
        }
      })().finally(() => {
        this.draining = null;
      });
    }
    return this.draining;
  }

  private async drain(): Promise<void> {
    const target = this.target;
    if (!target) return;
    const stub = target.get(target.idFromName(ANALYTICS_OBJECT));
    const { sql } = this.ledger;
    try {
      for (;;) {
        const rows = sql
          .exec<{ n: number; body: string }>("SELECT n, body FROM analytics_outbox ORDER BY n LIMIT ?", BATCH)
          .toArray();
        const last = rows.at(-1);
        if (!last) break;
        await stub.apply(rows.map((row) => JSON.parse(row.body) as AnalyticsDelta));
        sql.exec("DELETE FROM analytics_outbox WHERE n <= ?", last.n);
      }
      // Delivered: an alarm left armed finds nothing to send (the hold checks may need it anyway).
    } catch (error) {
      log("warn", "analytics delivery failed; retrying", { error: error instanceof Error ? error.message : "unknown" });
      await this.retryBy(Date.now() + RETRY_MS);
    }
  }
}
