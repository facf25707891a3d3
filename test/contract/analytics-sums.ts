import type { AnalyticsData, MoneyMetrics } from "../../src/analytics/types.ts";
import { parseUsdAtto } from "../../src/analytics/usd.ts";
import { utcDay } from "../../src/lib/time.ts";
import type { LedgerEntry } from "../../src/stores/ports.ts";

// Sums for the analytics contract: the store's aggregates and the ledger, grouped alike.

/** A day of its own per run, far from every other test's, so the aggregates hold only this test's work. */
export function freshDay(): number {
  const year = 2200 + Math.floor(Math.random() * 700);
  return Date.UTC(year, Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 27), 12);
}

export type Dim = "day" | "source" | "plan" | "provider" | "model";
type UsageRow = Record<Dim, string | null> & {
  calls: number;
  charged_micros: number;
  cost_atto_usd: string;
  uncollected_micros: number;
};

/**
 * The store's aggregates and the ledger, both summed per value of `dims`: usage metrics per call
 * dimension, money metrics per (day, source, plan). Costs are exact decimal strings of atto-USD.
 */
export function usageBy(rows: UsageRow[], dims: Dim[]) {
  const out: Record<string, { calls: number; charged: number; cost: string; uncollected: number }> = {};
  for (const row of rows) {
    const key = dims.map((dim) => row[dim] ?? "").join("|");
    const sum = out[key] ?? { calls: 0, charged: 0, cost: "0", uncollected: 0 };
    sum.calls += row.calls;
    sum.charged += row.charged_micros;
    sum.cost = (BigInt(sum.cost) + BigInt(row.cost_atto_usd)).toString();
    sum.uncollected += row.uncollected_micros;
    out[key] = sum;
  }
  return out;
}

export function moneyBy(rows: Array<{ day: string; source: string; plan: string | null } & MoneyMetrics>, dims: Dim[]) {
  const out: Record<string, Partial<MoneyMetrics>> = {};
  for (const row of rows) {
    const key = dims.map((dim) => (dim in row ? (row[dim as "day"] ?? "") : "")).join("|");
    const sum = out[key] ?? {};
    out[key] = sum;
    for (const [field, value] of Object.entries(row)) {
      if (typeof value === "number" && value !== 0)
        sum[field as keyof MoneyMetrics] = (sum[field as keyof MoneyMetrics] ?? 0) + value;
    }
  }
  return out;
}

export interface Account {
  id: string;
  source: "key" | "rapidapi";
  plan: string | null;
}

/** Cash no ledger entry carries: refunds and disputes in cents, and a subscription invoice's cents (purchase_cents). */
export type Cash = Partial<Pick<MoneyMetrics, "purchase_cents" | "refunded_cents" | "recovered_cents">>;

/**
 * What the aggregates must say, from the ledger entries alone, plus the cash the refund and dispute
 * events carried (by `day|source|plan`), which the ledger does not record.
 */
export function expectedFrom(
  ledgers: Array<{ account: Account; entries: LedgerEntry[] }>,
  cashByKey: Record<string, Cash>,
) {
  const usage: UsageRow[] = [];
  const money: Array<{ day: string; source: string; plan: string | null } & MoneyMetrics> = [];
  const accounts: Record<string, { charged_micros: number; calls: number }> = {};
  for (const { account, entries } of ledgers) {
    for (const entry of entries) {
      const day = utcDay(entry.created_at);
      const dims = { day, source: account.source, plan: account.plan };
      const m: MoneyMetrics = {
        purchase_cents: 0,
        purchase_micros: 0,
        refunded_cents: 0,
        recovered_cents: 0,
        clawback_micros: 0,
        reversal_micros: 0,
        granted_micros: 0,
        owed_micros: 0,
      };
      if (entry.reason === "usage" || (entry.reason === "uncollected" && entry.provider)) {
        const isUsage = entry.reason === "usage";
        usage.push({
          ...dims,
          provider: entry.provider ?? null,
          model: entry.model ?? null,
          calls: isUsage ? 1 : 0,
          charged_micros: isUsage ? -entry.amount_micros : 0,
          cost_atto_usd: isUsage ? parseUsdAtto(entry.cost_usd ?? "0").toString() : "0",
          uncollected_micros: isUsage ? 0 : (entry.uncollected_micros ?? 0),
        });
        if (isUsage) {
          const sum = accounts[account.id] ?? { charged_micros: 0, calls: 0 };
          sum.charged_micros -= entry.amount_micros;
          sum.calls += 1;
          accounts[account.id] = sum;
        }
        continue;
      }
      if (entry.reason === "purchase") {
        m.purchase_micros = entry.amount_micros;
        m.purchase_cents = entry.amount_paid_cents ?? 0;
      } else if (entry.reason === "clawback") m.clawback_micros = -entry.amount_micros;
      else if (entry.reason === "reversal") m.reversal_micros = entry.amount_micros;
      else if (entry.reason === "uncollected") m.owed_micros = entry.uncollected_micros ?? 0;
      else m.granted_micros = entry.amount_micros;
      money.push({ ...dims, ...m });
    }
  }
  for (const [key, cash] of Object.entries(cashByKey)) {
    const [day, source, plan] = key.split("|") as [string, string, string];
    money.push({
      day,
      source,
      plan: plan || null,
      purchase_cents: cash.purchase_cents ?? 0,
      purchase_micros: 0,
      refunded_cents: cash.refunded_cents ?? 0,
      recovered_cents: cash.recovered_cents ?? 0,
      clawback_micros: 0,
      reversal_micros: 0,
      granted_micros: 0,
      owed_micros: 0,
    });
  }
  return { usage, money, accounts };
}

export const GROUPINGS: Dim[][] = [
  [],
  ["day"],
  ["source"],
  ["plan"],
  ["provider"],
  ["model"],
  ["day", "source", "plan", "provider", "model"],
];
export const MONEY_GROUPINGS: Dim[][] = [[], ["day"], ["source"], ["plan"], ["day", "source", "plan"]];

/** JSON with object keys sorted, so equal sums compare equal whatever order they were added in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)))
      : v,
  );
}

export function matches(data: AnalyticsData, expected: ReturnType<typeof expectedFrom>): boolean {
  const all: Dim[] = ["day", "source", "plan", "provider", "model"];
  return (
    canonical(usageBy(data.usage, all)) === canonical(usageBy(expected.usage, all)) &&
    canonical(moneyBy(data.money, ["day", "source", "plan"])) ===
      canonical(moneyBy(expected.money, ["day", "source", "plan"]))
  );
}

/** The Durable Object store delivers aggregates after the answer: read until they match, for up to 5 s. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
