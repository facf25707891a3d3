import { describe, expect, it } from "vitest";
import { buildReport } from "../../src/analytics/report.ts";
import type { AnalyticsData, MoneyAggregate, UsageAggregate } from "../../src/analytics/types.ts";
import { formatUsdAmount, microsToAtto, parseUsdAtto, splitAtto } from "../../src/analytics/usd.ts";
import { DEFAULT_PLANS, PlanTable } from "../../src/billing/plans.ts";
import { parseRatio } from "../../src/metering/pricing.ts";

const plans = new PlanTable(DEFAULT_PLANS);
const usdPerCredit = parseRatio("0.01");

const usage = (extra: Partial<UsageAggregate>): UsageAggregate => ({
  day: "2026-11-30",
  source: "key",
  plan: null,
  provider: "openai",
  model: "gpt-4o-mini",
  calls: 1,
  charged_micros: 1404,
  cost_atto_usd: parseUsdAtto("0.0000078").toString(),
  uncollected_micros: 0,
  ...extra,
});
const money = (extra: Partial<MoneyAggregate>): MoneyAggregate => ({
  day: "2026-11-30",
  source: "key",
  plan: null,
  purchase_cents: 0,
  purchase_micros: 0,
  refunded_cents: 0,
  recovered_cents: 0,
  clawback_micros: 0,
  reversal_micros: 0,
  granted_micros: 0,
  owed_micros: 0,
  ...extra,
});

describe("exact USD for analytics", () => {
  it("parses and prints costs to the atto-dollar, with 2 decimals at least and no float anywhere", () => {
    expect(parseUsdAtto("0.000000000000000001")).toBe(1n);
    expect(formatUsdAmount(1n)).toBe("0.000000000000000001");
    expect(formatUsdAmount(0n)).toBe("0.00");
    expect(formatUsdAmount(parseUsdAtto("30"))).toBe("30.00");
    expect(formatUsdAmount(-parseUsdAtto("0.1"))).toBe("-0.10");
    expect(formatUsdAmount(parseUsdAtto("123456789.123456789"))).toBe("123456789.123456789");
    // 0.1 + 0.2 in floats is 0.30000000000000004; here it is 0.30.
    expect(formatUsdAmount(parseUsdAtto("0.1") + parseUsdAtto("0.2"))).toBe("0.30");
    expect(splitAtto(parseUsdAtto("1.000000001000000002"))).toEqual(["1000000001", "2"]);
    expect(formatUsdAmount(microsToAtto(4212, usdPerCredit))).toBe("0.00004212");
    expect(formatUsdAmount(microsToAtto(1, parseRatio("0.000000000003")))).toBe("0.000000000000000003");
  });
});

describe("buildReport", () => {
  const data: AnalyticsData = {
    usage: [
      usage({}),
      usage({ day: "2026-11-29", provider: "anthropic", model: "claude-haiku-4-5", source: "rapidapi", plan: "PRO" }),
      usage({ source: "rapidapi", plan: "SOMETHING-ELSE", uncollected_micros: 0 }),
      usage({ plan: "ultra", uncollected_micros: 500 }),
      usage({ plan: "retired-plan" }),
    ],
    money: [
      money({ purchase_cents: 5_000, refunded_cents: 2_000, recovered_cents: 500, granted_micros: 7, owed_micros: 3 }),
      money({ day: "2026-11-28", plan: "pro", granted_micros: 10 }),
    ],
    top_accounts: [],
  };
  const report = (groupBy: "day" | "provider" | "model" | "plan" | "source") =>
    buildReport(data, { from: "2026-11-27", to: "2026-11-30", groupBy, plans, usdPerCredit });

  it("totals every aggregate: cash is purchases minus refunds plus what won disputes recovered", () => {
    expect(report("day").totals).toEqual({
      calls: 5,
      provider_cost_usd: "0.000039",
      usage_revenue_micros: 7020,
      usage_revenue_usd: "0.0000702",
      cash_revenue_usd: "35.00",
      margin_usd: "0.0000312",
      uncollected_micros: 503,
      granted_micros: 17,
    });
  });

  it("lists every day of the range by day, and payments as '-' by provider or model", () => {
    expect(report("day").groups.map((g) => [g.key, g.calls])).toEqual([
      ["2026-11-27", 0],
      ["2026-11-28", 0],
      ["2026-11-29", 1],
      ["2026-11-30", 4],
    ]);
    expect(report("provider").groups.map((g) => [g.key, g.calls, g.cash_revenue_usd])).toEqual([
      ["-", 0, "35.00"],
      ["anthropic", 1, "0.00"],
      ["openai", 4, "0.00"],
    ]);
    expect(report("model").groups.map((g) => g.key)).toEqual(["-", "claude-haiku-4-5", "gpt-4o-mini"]);
  });

  it("maps recorded plans to the table: RapidAPI names to the plan serving them (unknown: BASIC's), others to the default when gone", () => {
    expect(report("plan").groups.map((g) => [g.key, g.calls, g.granted_micros])).toEqual([
      ["free", 3, 7],
      ["pro", 1, 10],
      ["ultra", 1, 0],
    ]);
    expect(report("source").groups.map((g) => [g.key, g.calls])).toEqual([
      ["key", 3],
      ["rapidapi", 2],
    ]);
  });
});
