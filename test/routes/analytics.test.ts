// GET /admin/analytics end to end: real calls through the fake upstreams and signed Stripe webhooks,
// then the aggregates checked against the ledger itself, by every grouping.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDurableObjectStore } from "../../src/stores/durable-object/store.ts";
import { chat, funded, prompt, settledAccount } from "../helpers/chat.ts";
import { admin, expectError, gw } from "../helpers/gateway.ts";
import { securitySuite } from "../helpers/security.ts";
import { delivered, purchase } from "../helpers/stripe.ts";

const store = createDurableObjectStore(env);
const GROUPINGS = ["day", "provider", "model", "plan", "source"] as const;

interface Row {
  calls: number;
  provider_cost_usd: string;
  usage_revenue_micros: number;
  usage_revenue_usd: string;
  cash_revenue_usd: string;
  margin_usd: string;
  uncollected_micros: number;
  granted_micros: number;
}
interface Analytics {
  from: string;
  to: string;
  group_by: string;
  totals: Row;
  groups: Array<{ key: string } & Row>;
  top_accounts: Array<{ account_id: string; charged_micros: number; calls: number }>;
}

/** Exact decimals, independent of the code under test: USD as integers of 1e-18. */
const SCALE = 18;
function toAtto(usd: string): bigint {
  const [whole, fraction = ""] = usd.replace(/^-/, "").split(".");
  const value = BigInt(whole as string) * 10n ** BigInt(SCALE) + BigInt(fraction.padEnd(SCALE, "0"));
  return usd.startsWith("-") ? -value : value;
}
function fromAtto(atto: bigint): string {
  const abs = atto < 0n ? -atto : atto;
  const digits = abs.toString().padStart(SCALE + 1, "0");
  const fraction = digits.slice(-SCALE).replace(/0+$/, "").padEnd(2, "0");
  return `${atto < 0n ? "-" : ""}${digits.slice(0, -SCALE)}.${fraction}`;
}

async function analytics(query = ""): Promise<Analytics> {
  const res = await gw(`/admin/analytics${query}`, { headers: admin() });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Analytics;
}

/** The groups summed field by field, USD exactly. */
function sumOf(groups: Row[]): Row {
  const add = (field: keyof Row) => groups.reduce((sum, g) => sum + toAtto(g[field] as string), 0n);
  const count = (field: keyof Row) => groups.reduce((sum, g) => sum + (g[field] as number), 0);
  return {
    calls: count("calls"),
    provider_cost_usd: fromAtto(add("provider_cost_usd")),
    usage_revenue_micros: count("usage_revenue_micros"),
    usage_revenue_usd: fromAtto(add("usage_revenue_usd")),
    cash_revenue_usd: fromAtto(add("cash_revenue_usd")),
    margin_usd: fromAtto(add("margin_usd")),
    uncollected_micros: count("uncollected_micros"),
    granted_micros: count("granted_micros"),
  };
}

describe("GET /admin/analytics", () => {
  it("after 20 calls over 3 providers and 2 accounts, a purchase and a refund: totals equal the ledger, by every grouping", async () => {
    const first = await funded(5);
    const second = await funded(5);
    const calls: Array<[string, string, number]> = [
      [first.key, "openai/gpt-4o-mini", 7],
      [first.key, "anthropic/claude-haiku-4-5", 3],
      [second.key, "anthropic/claude-haiku-4-5", 4],
      [second.key, "google/gemini-3.1-pro-preview", 6],
    ];
    for (const [key, model, times] of calls) {
      for (let i = 0; i < times; i++) {
        const res = await chat(key, {
          model,
          max_tokens: 200,
          messages: [{ role: "user", content: prompt().content }],
        });
        expect(res.status, await res.text()).toBe(200);
      }
    }
    const p = purchase(first.account_id, 5_000);
    expect(await delivered(p.completed())).toBe("granted");
    expect(await delivered(p.refunded(2_000))).toBe("clawed_back");
    for (const { key } of [first, second]) expect((await settledAccount(key)).held_micros).toBe(0);

    // The ledger itself: every entry of both accounts.
    const entries = (
      await Promise.all([first, second].map((a) => store.ledger.entries(a.account_id, { limit: 100 }, null)))
    ).flat();
    const usage = entries.filter((e) => e.reason === "usage");
    expect(usage).toHaveLength(20);
    const charged = (list: typeof usage) => list.reduce((sum, e) => sum - e.amount_micros, 0);
    const cost = (list: typeof usage) => list.reduce((sum, e) => sum + toAtto(e.cost_usd ?? "0"), 0n);
    const revenue = charged(usage);
    const expected: Row = {
      calls: 20,
      provider_cost_usd: fromAtto(cost(usage)),
      usage_revenue_micros: revenue,
      // 1 credit = $0.01: µcr × 0.01 ÷ 10⁶.
      usage_revenue_usd: fromAtto(BigInt(revenue) * 10n ** 10n),
      cash_revenue_usd: "30.00",
      margin_usd: fromAtto(BigInt(revenue) * 10n ** 10n - cost(usage)),
      uncollected_micros: entries.reduce((sum, e) => sum + (e.uncollected_micros ?? 0), 0),
      granted_micros: 10_000_000,
    };
    expect(toAtto(expected.provider_cost_usd)).toBeGreaterThan(0n);

    // Aggregates arrive after the answer: wait until the totals show every call and payment.
    const deadline = Date.now() + 5_000;
    let report = await analytics();
    while (JSON.stringify(report.totals) !== JSON.stringify(expected) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      report = await analytics();
    }
    expect(report.totals).toEqual(expected);
    const today = new Date().toISOString().slice(0, 10);
    expect(report).toMatchObject({ to: today, group_by: "day" });
    expect(report.groups).toHaveLength(30);
    expect(report.groups.at(-1)).toEqual({ key: today, ...expected });
    expect(report.top_accounts).toEqual(
      [first, second]
        .map((a) => {
          const own = usage.filter((e) => e.account_id === a.account_id);
          return { account_id: a.account_id, charged_micros: charged(own), calls: own.length };
        })
        .sort((x, y) => y.charged_micros - x.charged_micros),
    );

    for (const groupBy of GROUPINGS) {
      const grouped = await analytics(`?group_by=${groupBy}`);
      expect(grouped.totals, groupBy).toEqual(expected);
      expect(sumOf(grouped.groups), groupBy).toEqual(expected);
      const keys = grouped.groups.map((g) => g.key);
      expect(keys, groupBy).toEqual([...keys].sort());
      if (groupBy === "provider" || groupBy === "model") {
        const dims =
          groupBy === "provider"
            ? ["anthropic", "google", "openai"]
            : ["claude-haiku-4-5", "gemini-3.1-pro-preview", "gpt-4o-mini"];
        expect(keys).toEqual(["-", ...dims]);
        for (const key of dims) {
          const own = usage.filter((e) => e[groupBy] === key);
          expect(grouped.groups.find((g) => g.key === key)).toMatchObject({
            calls: own.length,
            usage_revenue_micros: charged(own),
            provider_cost_usd: fromAtto(cost(own)),
            cash_revenue_usd: "0.00",
          });
        }
        expect(grouped.groups[0]).toMatchObject({ calls: 0, cash_revenue_usd: "30.00", granted_micros: 10_000_000 });
      }
      if (groupBy === "plan") expect(keys).toEqual(["free"]);
      if (groupBy === "source") expect(keys).toEqual(["key"]);
    }

    // A range given explicitly: one day, the same totals.
    expect((await analytics(`?from=${today}&to=${today}`)).totals).toEqual(expected);
  });

  it("answers 400 naming the field for a bad date, a reversed or too long range, or an unknown grouping", async () => {
    const cases: Array<[string, string]> = [
      ["?from=2026-13-01", "from"],
      ["?from=2026-02-30&to=2026-03-01", "from"],
      ["?to=yesterday", "to"],
      ["?from=2026-11-30&to=2026-11-01", "from"],
      ["?from=2025-11-29&to=2026-11-30", "to"],
      ["?group_by=week", "group_by"],
    ];
    for (const [query, param] of cases) {
      const error = await expectError(
        await gw(`/admin/analytics${query}`, { headers: admin() }),
        400,
        "INVALID_REQUEST",
      );
      expect(error.param, query).toBe(param);
    }
    // 366 days, both included, is the longest range.
    const longest = await analytics("?from=2025-11-30&to=2026-11-30");
    expect(longest.groups).toHaveLength(366);
    expect(longest.groups[0]?.key).toBe("2025-11-30");
  });
});

securitySuite("analytics", "admin", [{ method: "GET", path: "/admin/analytics" }]);
