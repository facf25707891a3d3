import { describe, expect, it } from "vitest";
import type { AnalyticsData, MoneyMetrics } from "../../src/analytics/types.ts";
import { parseUsdAtto } from "../../src/analytics/usd.ts";
import { DAY_MS, utcDay } from "../../src/lib/time.ts";
import type { LedgerEntry, Store } from "../../src/stores/ports.ts";
import { acct, charge, hold } from "./contract-helpers.ts";
import { CREDIT, id, payment } from "./payment-fixtures.ts";

/** A day of its own per run, far from every other test's, so the aggregates hold only this test's work. */
function freshDay(): number {
  const year = 2200 + Math.floor(Math.random() * 700);
  return Date.UTC(year, Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 27), 12);
}

type Dim = "day" | "source" | "plan" | "provider" | "model";
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
function usageBy(rows: UsageRow[], dims: Dim[]) {
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

function moneyBy(rows: Array<{ day: string; source: string; plan: string | null } & MoneyMetrics>, dims: Dim[]) {
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

interface Account {
  id: string;
  source: "key" | "rapidapi";
  plan: string | null;
}

type Cash = Partial<Pick<MoneyMetrics, "refunded_cents" | "recovered_cents">>;

/**
 * What the aggregates must say, from the ledger entries alone, plus the cash the refund and dispute
 * events carried (by `day|source|plan`), which the ledger does not record.
 */
function expectedFrom(ledgers: Array<{ account: Account; entries: LedgerEntry[] }>, cashByKey: Record<string, Cash>) {
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
      purchase_cents: 0,
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

const GROUPINGS: Dim[][] = [
  [],
  ["day"],
  ["source"],
  ["plan"],
  ["provider"],
  ["model"],
  ["day", "source", "plan", "provider", "model"],
];
const MONEY_GROUPINGS: Dim[][] = [[], ["day"], ["source"], ["plan"], ["day", "source", "plan"]];

/** Per-day aggregates: part of the one store contract, run against every adapter. */
export function analyticsContract(makeStore: () => Store) {
  describe("analytics aggregates", () => {
    it("equal the ledger's sums by every grouping, after settles, shortfalls, accruals, payments and grants; replays change nothing", async () => {
      const store = makeStore();
      const t1 = freshDay();
      const t2 = t1 + DAY_MS;
      const [from, to] = [utcDay(t1), utcDay(t2)];
      const a: Account = { id: acct(), source: "key", plan: null };
      const b: Account = { id: acct(), source: "key", plan: "pro" };
      const r: Account = { id: `rapidapi:an-${crypto.randomUUID().slice(0, 12)}`, source: "rapidapi", plan: "ULTRA" };
      for (const account of [a, b])
        await store.accounts.create({ id: account.id, source: "key", plan: account.plan }, t1);
      const grant = (account: Account, micros: number, key: string, at: number) =>
        store.ledger.credit(
          account.id,
          {
            amount_micros: micros,
            reason: "admin_grant",
            reference: null,
            idempotency_key: key,
            create_account: false,
          },
          at,
        );
      const settle = async (account: Account, micros: number, extra: Parameters<typeof charge>[1], at: number) => {
        const holdId = hold();
        const c = charge(micros, extra);
        await store.ledger.settle(account.id, holdId, c, at);
        return () => store.ledger.settle(account.id, holdId, c, at);
      };
      const replays: Array<() => Promise<unknown>> = [];
      replays.push(() => grant(a, 100 * CREDIT, "g-a", t1));
      await grant(a, 100 * CREDIT, "g-a", t1);
      await grant(b, 3 * CREDIT, "g-b", t2);
      // Two providers, two models, both days; one cost needs all 18 decimals.
      replays.push(await settle(a, 1_234_567, { provider: "openai", model: "gpt-4o-mini", cost_usd: "0.0001824" }, t1));
      replays.push(
        await settle(
          a,
          999,
          { provider: "anthropic", model: "claude-haiku-4-5", cost_usd: "0.000000123456789012" },
          t1,
        ),
      );
      await settle(a, 2_000_000, { provider: "openai", model: "gpt-4o", cost_usd: "0.00111" }, t2);
      await settle(b, 2_500_000, { provider: "anthropic", model: "claude-haiku-4-5", cost_usd: "0.0013" }, t2);
      // More than b has left: charged what is there, the rest uncollected.
      replays.push(await settle(b, 4_000_000, { provider: "openai", model: "gpt-4o", cost_usd: "0.002" }, t2));
      // RapidAPI: accrued, billed, and a billing step without a charge.
      for (const [i, micros] of [700_000, 1_300_001].entries()) {
        const accrual = {
          call_id: `c${i}`,
          charge: charge(micros, { provider: i ? "anthropic" : "openai" }),
          bill: true,
          plan: "ULTRA",
        };
        await store.rapidapi.accrue(r.id, accrual, t1 + i * DAY_MS);
        replays.push(() => store.rapidapi.accrue(r.id, accrual, t1 + i * DAY_MS));
      }
      await store.rapidapi.accrue(r.id, { call_id: "bill", charge: null, bill: true, plan: "ULTRA" }, t2);
      // Payments: a purchase refunded in part; another spent then refunded in full (part owed).
      const p1 = payment(5_000);
      const p2 = payment(1_000);
      const buy1 = p1.purchase();
      expect((await store.payments.purchase(a.id, buy1, t1)).status).toBe("applied");
      const refund1 = p1.refund(2_000);
      await store.payments.adjust(a.id, refund1, t2);
      await store.payments.purchase(b.id, p2.purchase(), t2);
      await settle(b, 900 * CREDIT, { provider: "openai", model: "gpt-4o", cost_usd: "0.5" }, t2);
      await store.payments.adjust(b.id, p2.refund(1_000), t2);
      // A smaller refund of p1 arriving late gives back nothing more.
      await store.payments.adjust(a.id, p1.refund(1_500), t2);
      replays.push(
        () => store.payments.purchase(a.id, buy1, t1),
        () => store.payments.purchase(a.id, { ...buy1, event_id: id("evt") }, t1),
        () => store.payments.adjust(a.id, refund1, t2),
      );
      const refunded = { [`${to}|key|`]: { refunded_cents: 2_000 }, [`${to}|key|pro`]: { refunded_cents: 1_000 } };

      const ledgers = async () =>
        Promise.all(
          [a, b, r].map(async (account) => ({
            account,
            entries: await store.ledger.entries(account.id, { limit: 200 }, null),
          })),
        );
      const check = async () => {
        const expected = expectedFrom(await ledgers(), refunded);
        const data = await eventually(
          () => store.analytics.read(from, to, 10),
          (d) => matches(d, expected),
        );
        for (const dims of GROUPINGS)
          expect(usageBy(data.usage, dims), dims.join(",")).toEqual(usageBy(expected.usage, dims));
        for (const dims of MONEY_GROUPINGS)
          expect(moneyBy(data.money, dims), dims.join(",")).toEqual(moneyBy(expected.money, dims));
        expect(data.top_accounts).toEqual(
          Object.entries(expected.accounts)
            .map(([account_id, sums]) => ({ account_id, ...sums }))
            .sort((x, y) => y.charged_micros - x.charged_micros),
        );
        return expected;
      };
      const before = await check();
      expect(usageBy(before.usage, [])[""]?.uncollected).toBeGreaterThan(0);
      expect(moneyBy(before.money, [])[""]?.owed_micros).toBeGreaterThan(0);

      for (const replay of replays) await replay();
      // A last call on each account: once it shows, anything the replays had queued would have too.
      await settle(a, 5, { provider: "openai", model: "gpt-4o" }, t2);
      await store.rapidapi.accrue(r.id, { call_id: "last", charge: charge(7), bill: false, plan: "ULTRA" }, t2);
      const after = await check();
      expect(usageBy(after.usage, [])[""]?.calls).toBe((usageBy(before.usage, [])[""]?.calls ?? 0) + 2);
      expect(moneyBy(after.money, [])).toEqual(moneyBy(before.money, []));
    });

    it("count disputes: what they take back and what a won one gives back, in cents and µcr, once", async () => {
      const store = makeStore();
      const t = freshDay();
      const day = utcDay(t);
      const d: Account = { id: acct(), source: "key", plan: "mega" };
      await store.accounts.create({ id: d.id, source: "key", plan: d.plan }, t);
      const [won, lost] = [payment(5_000), payment(1_000)];
      await store.payments.purchase(d.id, won.purchase(), t);
      await store.payments.purchase(d.id, lost.purchase(), t);
      const events = [
        won.dispute("dp_w"),
        won.won("dp_w"),
        lost.dispute("dp_l"),
        { ...lost.dispute("dp_l"), event_type: "charge.dispute.closed" },
      ];
      for (const event of events) await store.payments.adjust(d.id, event, t);
      for (const event of events) expect((await store.payments.adjust(d.id, event, t)).status).toBe("replayed");
      // A second delivery of the win under a new event id recovers nothing more.
      await store.payments.adjust(d.id, won.won("dp_w"), t);
      const entries = await store.ledger.entries(d.id, { limit: 50 }, null);
      const expected = expectedFrom([{ account: d, entries }], {
        [`${day}|key|mega`]: { refunded_cents: 6_000, recovered_cents: 5_000 },
      });
      const data = await eventually(
        () => store.analytics.read(day, day, 10),
        (found) => matches(found, expected),
      );
      expect(moneyBy(data.money, ["day", "source", "plan"])).toEqual(
        moneyBy(expected.money, ["day", "source", "plan"]),
      );
      expect(moneyBy(data.money, [])[""]).toEqual({
        purchase_cents: 6_000,
        purchase_micros: 6_000 * CREDIT,
        refunded_cents: 6_000,
        recovered_cents: 5_000,
        clawback_micros: 6_000 * CREDIT,
        reversal_micros: 5_000 * CREDIT,
      });
    });
  });
}

/** JSON with object keys sorted, so equal sums compare equal whatever order they were added in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)))
      : v,
  );
}

function matches(data: AnalyticsData, expected: ReturnType<typeof expectedFrom>): boolean {
  const all: Dim[] = ["day", "source", "plan", "provider", "model"];
  return (
    canonical(usageBy(data.usage, all)) === canonical(usageBy(expected.usage, all)) &&
    canonical(moneyBy(data.money, ["day", "source", "plan"])) ===
      canonical(moneyBy(expected.money, ["day", "source", "plan"]))
  );
}

/** The Durable Object store delivers aggregates after the answer: read until they match, for up to 5 s. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
