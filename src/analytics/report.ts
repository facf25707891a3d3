import type { PlanTable } from "../billing/plans.ts";
import type { Ratio } from "../metering/pricing.ts";
import type { AccountSource } from "../stores/ports.ts";
import { daysBetween } from "./days.ts";
import type { AccountUsage, AnalyticsData } from "./types.ts";
import { centsToAtto, formatUsdAmount, microsToAtto } from "./usd.ts";

export const GROUP_BY = ["day", "provider", "model", "plan", "source"] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** Under provider or model, what has neither (payments, grants) is this group. */
export const NO_CALL_KEY = "-";

/** One row of the answer: USD amounts are exact decimal strings, µcr integers. */
export interface ReportRow {
  calls: number;
  provider_cost_usd: string;
  usage_revenue_micros: number;
  usage_revenue_usd: string;
  cash_revenue_usd: string;
  margin_usd: string;
  uncollected_micros: number;
  granted_micros: number;
}

export interface Report {
  from: string;
  to: string;
  group_by: GroupBy;
  totals: ReportRow;
  groups: Array<{ key: string } & ReportRow>;
  top_accounts: AccountUsage[];
}

interface Sum {
  calls: number;
  cost_atto: bigint;
  usage_micros: number;
  cash_cents: number;
  uncollected_micros: number;
  granted_micros: number;
}

const zero = (): Sum => ({
  calls: 0,
  cost_atto: 0n,
  usage_micros: 0,
  cash_cents: 0,
  uncollected_micros: 0,
  granted_micros: 0,
});

function add(into: Sum, part: Partial<Sum>): void {
  into.calls += part.calls ?? 0;
  into.cost_atto += part.cost_atto ?? 0n;
  into.usage_micros += part.usage_micros ?? 0;
  into.cash_cents += part.cash_cents ?? 0;
  into.uncollected_micros += part.uncollected_micros ?? 0;
  into.granted_micros += part.granted_micros ?? 0;
}

function row(sum: Sum, usdPerCredit: Ratio): ReportRow {
  const revenue = microsToAtto(sum.usage_micros, usdPerCredit);
  return {
    calls: sum.calls,
    provider_cost_usd: formatUsdAmount(sum.cost_atto),
    usage_revenue_micros: sum.usage_micros,
    usage_revenue_usd: formatUsdAmount(revenue),
    cash_revenue_usd: formatUsdAmount(centsToAtto(sum.cash_cents)),
    margin_usd: formatUsdAmount(revenue - sum.cost_atto),
    uncollected_micros: sum.uncollected_micros,
    granted_micros: sum.granted_micros,
  };
}

/**
 * The plan id an aggregate counts under: a RapidAPI account's recorded subscription name maps to the
 * plan serving it (unknown: BASIC's); a key account's recorded plan, when the table still has it,
 * else the default plan.
 */
export function planIdOf(plans: PlanTable, source: AccountSource, recorded: string | null): string {
  return source === "rapidapi" ? plans.forRapidApi(recorded).id : plans.forAccount(recorded).id;
}

/** The answer of GET /admin/analytics from the store's aggregates of the range. */
export function buildReport(
  data: AnalyticsData,
  options: { from: string; to: string; groupBy: GroupBy; plans: PlanTable; usdPerCredit: Ratio },
): Report {
  const { from, to, groupBy, plans, usdPerCredit } = options;
  const groups = new Map<string, Sum>();
  if (groupBy === "day") for (const day of daysBetween(from, to)) groups.set(day, zero());
  const totals = zero();
  const count = (key: string, part: Partial<Sum>) => {
    const sum = groups.get(key) ?? zero();
    add(sum, part);
    groups.set(key, sum);
    add(totals, part);
  };
  const keyOf = (dims: { day: string; source: AccountSource; plan: string | null; provider: string; model: string }) =>
    groupBy === "plan" ? planIdOf(plans, dims.source, dims.plan) : dims[groupBy];

  for (const usage of data.usage) {
    count(keyOf(usage), {
      calls: usage.calls,
      cost_atto: BigInt(usage.cost_atto_usd),
      usage_micros: usage.charged_micros,
      uncollected_micros: usage.uncollected_micros,
    });
  }
  for (const money of data.money) {
    count(keyOf({ ...money, provider: NO_CALL_KEY, model: NO_CALL_KEY }), {
      cash_cents: money.purchase_cents - money.refunded_cents + money.recovered_cents,
      uncollected_micros: money.owed_micros,
      granted_micros: money.granted_micros,
    });
  }
  return {
    from,
    to,
    group_by: groupBy,
    totals: row(totals, usdPerCredit),
    groups: [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, sum]) => ({ key, ...row(sum, usdPerCredit) })),
    top_accounts: data.top_accounts,
  };
}
