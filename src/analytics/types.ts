import type { AccountSource, LedgerReason } from "../stores/ports.ts";

/**
 * Per-day (UTC) aggregates of the ledger (DESIGN "Analytics and dashboard"). Every settle, RapidAPI
 * accrual, payment and grant updates them with exactly what its ledger entries say, idempotent by
 * hold id / event id, so sums over the aggregates equal sums over the ledger.
 *
 * `plan` is the raw value the account recorded at the time (null: none); the query maps it to a plan
 * id of the deployment's table (src/analytics/query.ts), so a renamed or removed plan falls back to
 * the default plan there, and RapidAPI subscription names map to the plan that serves them.
 */

/** Usage per (day, source, plan, provider, model). */
export interface UsageAggregate {
  day: string;
  source: AccountSource;
  plan: string | null;
  provider: string;
  model: string;
  calls: number;
  /** µcr charged for usage (what the balance paid). */
  charged_micros: number;
  /** The provider's USD cost, exact, in atto-USD (1e-18), as a decimal integer string. */
  cost_atto_usd: string;
  /** µcr the balance could not pay (an `uncollected` entry of a settle). */
  uncollected_micros: number;
}

/** Money events per (day, source, plan); µcr fields mirror ledger entries by reason. */
export interface MoneyMetrics {
  /** Cents paid: credit purchases that granted credits, and paid subscription invoices. */
  purchase_cents: number;
  purchase_micros: number;
  /** Cents given back to customers: refunds (the increase of a payment's refunded amount) and disputes opened. */
  refunded_cents: number;
  /** Cents recovered: disputes won after they were opened. */
  recovered_cents: number;
  /** µcr taken back (`clawback` entries). */
  clawback_micros: number;
  /** µcr given back (`reversal` entries). */
  reversal_micros: number;
  /** `admin_grant` and `plan_allowance` entries. */
  granted_micros: number;
  /** Claw-backs the balance could not cover (`uncollected` entries of payments). */
  owed_micros: number;
}

export const MONEY_FIELDS = [
  "purchase_cents",
  "purchase_micros",
  "refunded_cents",
  "recovered_cents",
  "clawback_micros",
  "reversal_micros",
  "granted_micros",
  "owed_micros",
] as const satisfies readonly (keyof MoneyMetrics)[];

export interface MoneyAggregate extends MoneyMetrics {
  day: string;
  source: AccountSource;
  plan: string | null;
}

export interface AccountUsage {
  account_id: string;
  charged_micros: number;
  calls: number;
}

export interface AnalyticsData {
  usage: UsageAggregate[];
  money: MoneyAggregate[];
  /** The accounts with the most µcr charged over the range, most first. */
  top_accounts: AccountUsage[];
}

/** The read side of the aggregates, one per store. */
export interface AnalyticsStore {
  /** Aggregates of the UTC days `from` to `to` (YYYY-MM-DD, inclusive). */
  read(from: string, to: string, topAccounts: number): Promise<AnalyticsData>;
}

/**
 * What one money operation changed, as the Durable Object store carries it from an account's outbox
 * to the analytics object: applied once by `id` (account id and the operation's idempotency key).
 */
export interface AnalyticsDelta {
  id: string;
  day: string;
  account_id: string;
  source: AccountSource;
  plan: string | null;
  usage: Array<Omit<UsageAggregate, "day" | "source" | "plan">>;
  money: MoneyMetrics | null;
}

export const zeroMoney = (): MoneyMetrics => ({
  purchase_cents: 0,
  purchase_micros: 0,
  refunded_cents: 0,
  recovered_cents: 0,
  clawback_micros: 0,
  reversal_micros: 0,
  granted_micros: 0,
  owed_micros: 0,
});

/**
 * Where a ledger entry that is not usage counts among the money metrics (usage entries, and the
 * `uncollected` entries of settles, count as usage). Null: an entry that moves no tracked money.
 */
export function moneyFieldOf(reason: LedgerReason): { field: keyof MoneyMetrics; sign: 1 | -1 } | null {
  switch (reason) {
    case "purchase":
      return { field: "purchase_micros", sign: 1 };
    case "clawback":
      return { field: "clawback_micros", sign: -1 };
    case "reversal":
      return { field: "reversal_micros", sign: 1 };
    case "admin_grant":
    case "plan_allowance":
      return { field: "granted_micros", sign: 1 };
    default:
      return null;
  }
}
