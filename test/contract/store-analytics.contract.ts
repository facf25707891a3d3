import { describe, expect, it } from "vitest";
import { DAY_MS, utcDay } from "../../src/lib/time.ts";
import type { Store } from "../../src/stores/ports.ts";
import {
  type Account,
  eventually,
  expectedFrom,
  freshDay,
  GROUPINGS,
  MONEY_GROUPINGS,
  matches,
  moneyBy,
  usageBy,
} from "./analytics-sums.ts";
import { acct, charge, hold } from "./contract-helpers.ts";
import { CREDIT, id, invoicePayment, payment } from "./payment-fixtures.ts";

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

    it("count a paid subscription invoice's cents as cash once per invoice, with its allowance granted or not", async () => {
      const store = makeStore();
      const t = freshDay();
      const day = utcDay(t);
      const s: Account = { id: acct(), source: "key", plan: null };
      await store.accounts.create({ id: s.id, source: "key", plan: null }, t);
      const monthly = invoicePayment(2_000, 2_900);
      const paid = monthly.paid();
      await store.payments.planAllowance(s.id, paid, t);
      // A proration invoice: paid, no allowance (no ledger entry), still cash.
      await store.payments.planAllowance(s.id, invoicePayment(0, 450).paid(), t);
      // The same event again, and the same invoice under another event id: nothing more.
      expect((await store.payments.planAllowance(s.id, paid, t)).status).toBe("replayed");
      await store.payments.planAllowance(s.id, monthly.paid(), t);
      // A credit purchase beside it, so the sum covers both kinds of cash.
      await store.payments.purchase(s.id, payment(1_000).purchase(), t);
      const data = await eventually(
        () => store.analytics.read(day, day, 10),
        (found) => moneyBy(found.money, [])[""]?.purchase_cents === 2_900 + 450 + 1_000,
      );
      expect(moneyBy(data.money, [])[""]).toEqual({
        purchase_cents: 2_900 + 450 + 1_000,
        purchase_micros: 1_000 * CREDIT,
        granted_micros: 2_000 * CREDIT,
      });
    });

    it("count a subscription invoice's refund: its cents and the allowance's share taken back, once", async () => {
      const store = makeStore();
      const t = freshDay();
      const day = utcDay(t);
      const s: Account = { id: acct(), source: "key", plan: "pro" };
      await store.accounts.create({ id: s.id, source: "key", plan: s.plan }, t);
      const inv = invoicePayment(2_000, 2_900);
      await store.payments.planAllowance(s.id, inv.paid(), t);
      const refund = inv.refund(2_900);
      await store.payments.adjust(s.id, refund, t);
      expect((await store.payments.adjust(s.id, refund, t)).status).toBe("replayed");
      // The same cumulative refund under another event id, and a late smaller one: nothing more.
      await store.payments.adjust(s.id, inv.refund(2_900), t);
      await store.payments.adjust(s.id, inv.refund(1_000), t);
      const entries = await store.ledger.entries(s.id, { limit: 50 }, null);
      const expected = expectedFrom([{ account: s, entries }], {
        [`${day}|key|pro`]: { purchase_cents: 2_900, refunded_cents: 2_900 },
      });
      const data = await eventually(
        () => store.analytics.read(day, day, 10),
        (found) => matches(found, expected),
      );
      expect(moneyBy(data.money, ["day", "source", "plan"])).toEqual(
        moneyBy(expected.money, ["day", "source", "plan"]),
      );
      expect(moneyBy(data.money, [])[""]).toEqual({
        purchase_cents: 2_900,
        granted_micros: 2_000 * CREDIT,
        refunded_cents: 2_900,
        clawback_micros: 2_000 * CREDIT,
      });
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
