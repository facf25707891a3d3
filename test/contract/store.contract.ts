import { describe, expect, it } from "vitest";
import type { Store } from "../../src/stores/ports.ts";
import { acct, charge, fund, hold, T0 } from "./contract-helpers.ts";
import { analyticsContract } from "./store-analytics.contract.ts";
import { disputesContract } from "./store-disputes.contract.ts";
import { invoiceRefundsContract } from "./store-invoice-refunds.contract.ts";
import { keysContract } from "./store-keys.contract.ts";
import { limitsContract } from "./store-limits.contract.ts";
import { paymentsContract } from "./store-payments.contract.ts";
import { rapidApiContract } from "./store-rapidapi.contract.ts";
import { subscriptionsContract } from "./store-subscriptions.contract.ts";

/**
 * The behaviour every store adapter must have. Each adapter's test file calls this with a
 * factory; ids are random per test so suites never need a flush. Keys, accounts and the
 * account's check of a caller's key are in store-keys.contract.ts, payments in
 * store-payments.contract.ts and store-disputes.contract.ts, all part of this one suite.
 */
export function storeContract(name: string, makeStore: () => Store) {
  describe(`${name} store contract`, () => {
    describe("credit", () => {
      it("applies once per idempotency key, with its entry in the same step", async () => {
        const store = makeStore();
        const account = acct();
        const request = {
          amount_micros: 5_000_000,
          reason: "admin_grant" as const,
          reference: "ref-1",
          idempotency_key: "grant:1",
          create_account: true,
        };
        const results = await Promise.all(Array.from({ length: 25 }, () => store.ledger.credit(account, request, T0)));
        const applied = results.filter((r) => r.status === "applied");
        expect(applied).toHaveLength(1);
        const ids = new Set(results.map((r) => ("entry" in r ? r.entry.id : r.status)));
        expect([...ids]).toEqual([expect.stringMatching(/^le_/)]);
        expect((await store.ledger.balance(account, T0, null)).balance_micros).toBe(5_000_000);
        const entries = await store.ledger.entries(account, { limit: 10 }, null);
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({
          amount_micros: 5_000_000,
          reason: "admin_grant",
          reference: "ref-1",
          balance_after_micros: 5_000_000,
        });
      });

      it("refuses an unknown account when asked not to create it", async () => {
        const store = makeStore();
        const result = await store.ledger.credit(
          acct(),
          { amount_micros: 1, reason: "admin_grant", reference: null, idempotency_key: "x", create_account: false },
          T0,
        );
        expect(result.status).toBe("account_not_found");
      });

      it("refuses, atomically, a credit that would take the balance past 2^53 - 1 µcr", async () => {
        const store = makeStore();
        const account = acct();
        const grant = (amount: number, key: string) =>
          store.ledger.credit(
            account,
            {
              amount_micros: amount,
              reason: "admin_grant",
              reference: null,
              idempotency_key: key,
              create_account: true,
            },
            T0,
          );
        // 12 grants of 1e9 credits, as the report had it: the tenth would pass 2^53 - 1.
        const results = [];
        for (let i = 0; i < 12; i++) results.push((await grant(1e15, `big:${i}`)).status);
        expect(results).toEqual([...Array(9).fill("applied"), ...Array(3).fill("limit_exceeded")]);
        const refused = await grant(1e15, "big:12");
        expect(refused).toMatchObject({ status: "limit_exceeded", balance: { balance_micros: 9e15 } });
        const room = Number.MAX_SAFE_INTEGER - 9e15;
        // A refused credit does not use up its idempotency key: the same key applies a smaller amount.
        expect((await grant(room + 1, "room")).status).toBe("limit_exceeded");
        expect(await grant(room, "room")).toMatchObject({
          status: "applied",
          balance: { balance_micros: Number.MAX_SAFE_INTEGER },
        });
        expect((await grant(1, "one-more")).status).toBe("limit_exceeded");
        // Nothing refused left an entry.
        const entries = await store.ledger.entries(account, { limit: 20 }, null);
        expect(entries).toHaveLength(10);
        expect(entries[0]).toMatchObject({ amount_micros: room, balance_after_micros: Number.MAX_SAFE_INTEGER });
        expect((await store.ledger.balance(account, T0, null)).balance_micros).toBe(Number.MAX_SAFE_INTEGER);
        expect((await grant(room, "room")).status).toBe("replayed");
      });
    });

    describe("reserve, settle, release", () => {
      it("500 concurrent reserves against a balance covering exactly N: exactly N succeed, never below zero", async () => {
        const store = makeStore();
        const account = acct();
        const amount = 360_000;
        const n = 37;
        await fund(store, account, amount * n);
        const results = await Promise.all(
          Array.from({ length: 500 }, () => store.ledger.reserve(account, hold(), amount, 120_000, T0, null)),
        );
        expect(results.filter((r) => r.status === "reserved")).toHaveLength(n);
        for (const r of results) expect(r.balance.balance_micros - r.balance.held_micros).toBeGreaterThanOrEqual(0);
        const refused = results.find((r) => r.status === "insufficient");
        expect(refused).toMatchObject({ status: "insufficient", available_micros: 0 });
        expect(await store.ledger.balance(account, T0, null)).toMatchObject({
          balance_micros: amount * n,
          held_micros: amount * n,
        });
      });

      it("reserving the same hold id twice holds once", async () => {
        const store = makeStore();
        const account = acct();
        await fund(store, account, 1_000_000);
        const id = hold();
        await store.ledger.reserve(account, id, 600_000, 60_000, T0, null);
        const again = await store.ledger.reserve(account, id, 600_000, 60_000, T0, null);
        expect(again.status).toBe("reserved");
        expect((await store.ledger.balance(account, T0, null)).held_micros).toBe(600_000);
      });

      it("charges exactly the sum of actual costs, to the micro-credit, with one usage entry each", async () => {
        const store = makeStore();
        const account = acct();
        await fund(store, account, 100_000_000);
        const actuals = [1, 359_999, 360_000, 7_200_001, 0, 123_456_7];
        const holds = actuals.map(() => hold());
        await Promise.all(holds.map((id) => store.ledger.reserve(account, id, 8_000_000, 60_000, T0, null)));
        const settled = await Promise.all(
          holds.map((id, i) => store.ledger.settle(account, id, charge(actuals[i] as number), T0 + 1)),
        );
        const total = actuals.reduce((a, b) => a + b, 0);
        expect(settled.map((s) => s.charged_micros)).toEqual(actuals);
        expect(settled.every((s) => s.uncollected_micros === 0)).toBe(true);
        expect(await store.ledger.balance(account, T0 + 1, null)).toMatchObject({
          balance_micros: 100_000_000 - total,
          held_micros: 0,
        });
        const usage = (await store.ledger.entries(account, { limit: 50 }, null)).filter((e) => e.reason === "usage");
        expect(usage).toHaveLength(actuals.length);
        expect(usage.reduce((sum, e) => sum - e.amount_micros, 0)).toBe(total);
        expect(usage[0]).toMatchObject({
          provider: "openai",
          model: "gpt-4o-mini",
          usage: { input: 16, output: 300 },
          cost_usd: "0.0001824",
        });
        expect(usage[0]?.request_id).toMatch(/^req_/);
      });

      it("applies replayed settles once, even concurrently", async () => {
        const store = makeStore();
        const account = acct();
        await fund(store, account, 10_000_000);
        const id = hold();
        await store.ledger.reserve(account, id, 5_000_000, 60_000, T0, null);
        const c = charge(1_234_567);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.ledger.settle(account, id, c, T0)));
        expect(results.filter((r) => r.status === "settled")).toHaveLength(1);
        expect(new Set(results.map((r) => r.entry.id)).size).toBe(1);
        expect(results.every((r) => r.charged_micros === 1_234_567)).toBe(true);
        expect((await store.ledger.balance(account, T0, null)).balance_micros).toBe(10_000_000 - 1_234_567);
      });

      it("expired holds free their credits", async () => {
        const store = makeStore();
        const account = acct();
        await fund(store, account, 1_000_000);
        await store.ledger.reserve(account, hold(), 1_000_000, 30_000, T0, null);
        expect((await store.ledger.reserve(account, hold(), 1, 30_000, T0 + 29_999, null)).status).toBe("insufficient");
        expect((await store.ledger.balance(account, T0 + 30_000, null)).held_micros).toBe(0);
        expect((await store.ledger.reserve(account, hold(), 1_000_000, 30_000, T0 + 30_000, null)).status).toBe(
          "reserved",
        );
      });

      it("a settle after expiry charges at most what is available and records the rest as uncollected", async () => {
        const store = makeStore();
        const account = acct();
        await fund(store, account, 1_000_000);
        const late = hold();
        await store.ledger.reserve(account, late, 1_000_000, 10_000, T0, null);
        // after expiry someone else holds most of the balance
        await store.ledger.reserve(account, hold(), 700_000, 60_000, T0 + 20_000, null);
        const result = await store.ledger.settle(account, late, charge(500_000), T0 + 20_001);
        expect(result).toMatchObject({ status: "settled", charged_micros: 300_000, uncollected_micros: 200_000 });
        expect(await store.ledger.balance(account, T0 + 20_001, null)).toMatchObject({
          balance_micros: 700_000,
          held_micros: 700_000,
        });
        const [shortfall, usage] = await store.ledger.entries(account, { limit: 2 }, null);
        expect(usage).toMatchObject({ reason: "usage", amount_micros: -300_000 });
        expect(shortfall).toMatchObject({ reason: "uncollected", amount_micros: 0, uncollected_micros: 200_000 });
        const replay = await store.ledger.settle(account, late, charge(500_000), T0 + 30_000);
        expect(replay).toMatchObject({ status: "replayed", charged_micros: 300_000, uncollected_micros: 200_000 });
      });

      it("never takes the balance below zero, even when the actual cost exceeds it", async () => {
        const store = makeStore();
        const account = acct();
        await fund(store, account, 100);
        const id = hold();
        await store.ledger.reserve(account, id, 100, 60_000, T0, null);
        const result = await store.ledger.settle(account, id, charge(250), T0);
        expect(result).toMatchObject({ charged_micros: 100, uncollected_micros: 150 });
        expect((await store.ledger.balance(account, T0, null)).balance_micros).toBe(0);
      });

      it("release drops the hold once and charges nothing", async () => {
        const store = makeStore();
        const account = acct();
        await fund(store, account, 1_000);
        const id = hold();
        await store.ledger.reserve(account, id, 800, 60_000, T0, null);
        expect(await store.ledger.release(account, id, T0)).toBe(true);
        expect(await store.ledger.release(account, id, T0)).toBe(false);
        expect(await store.ledger.balance(account, T0, null)).toMatchObject({ balance_micros: 1_000, held_micros: 0 });
        expect((await store.ledger.entries(account, { limit: 10 }, null)).map((e) => e.reason)).toEqual([
          "admin_grant",
        ]);
      });
    });

    describe("ledger reading", () => {
      it("pages entries newest first and totals usage per UTC day", async () => {
        const store = makeStore();
        const account = acct();
        await fund(store, account, 10_000_000);
        const day1 = Date.parse("2026-11-20T23:59:00Z");
        const day2 = Date.parse("2026-11-21T00:01:00Z");
        for (const [at, amount] of [
          [day1, 100],
          [day1, 200],
          [day2, 400],
        ] as const) {
          const id = hold();
          await store.ledger.reserve(account, id, 1_000, 60_000, at, null);
          await store.ledger.settle(account, id, charge(amount), at);
        }
        const first = await store.ledger.entries(account, { limit: 2 }, null);
        expect(first.map((e) => e.amount_micros)).toEqual([-400, -200]);
        const second = await store.ledger.entries(account, { before: first[1]?.seq, limit: 2 }, null);
        expect(second.map((e) => e.amount_micros)).toEqual([-100, 10_000_000]);
        expect(await store.ledger.entries(account, { before: second[1]?.seq, limit: 2 }, null)).toEqual([]);
        expect(await store.ledger.daily(account, Date.parse("2026-11-01T00:00:00Z"), null)).toEqual([
          { date: "2026-11-21", charged_micros: 400, requests: 1 },
          { date: "2026-11-20", charged_micros: 300, requests: 2 },
        ]);
        expect(await store.ledger.daily(account, day2, null)).toEqual([
          { date: "2026-11-21", charged_micros: 400, requests: 1 },
        ]);
      });
    });

    keysContract(makeStore);
    paymentsContract(makeStore);
    disputesContract(makeStore);
    rapidApiContract(makeStore);
    limitsContract(makeStore);
    subscriptionsContract(makeStore);
    invoiceRefundsContract(makeStore);
    analyticsContract(makeStore);
  });
}
