import { afterEach, describe, expect, it } from "vitest";
import type { RateLimitTable } from "../../src/stores/limit-ports.ts";
import type { Store } from "../../src/stores/ports.ts";
import { acct, charge, fund, hold, T0 } from "./contract-helpers.ts";

const W = 60_000;
const AMOUNT = 100_000;
/** A table as the gateway builds it: the default plan and {id: [requests per minute, concurrent]}. */
const table = (plans: Record<string, [number, number]>, defaultPlan = Object.keys(plans)[0] as string) =>
  ({ default_plan: defaultPlan, plans }) satisfies RateLimitTable;

/** Rate limits, counted in the hold's own step: part of the one store contract, run against every adapter. */
export function limitsContract(makeStore: () => Store) {
  describe("rate limits", () => {
    /** Holds placed here, released after each test so other suites' lists of stale holds never see them. */
    const placed: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      await Promise.all(placed.splice(0).map((release) => release()));
    });
    const reserveAt = (store: Store, account: string, at: number, limits: RateLimitTable, id = hold()) => {
      placed.push(() => store.ledger.release(account, id, at));
      return store.ledger.reserve(account, id, AMOUNT, 120_000, at, null, limits);
    };

    it("counts requests per minute in a sliding window; a refusal holds, charges and counts nothing; the window frees up when it says", async () => {
      const store = makeStore();
      const account = acct();
      await fund(store, account, AMOUNT * 100);
      const limits = table({ tiny: [3, 100] });
      const remaining: number[] = [];
      for (let i = 0; i < 3; i++) {
        const result = await reserveAt(store, account, T0 + i, limits);
        expect(result.status).toBe("reserved");
        if (result.status === "reserved") remaining.push(result.window?.remaining ?? -1);
      }
      expect(remaining).toEqual([2, 1, 0]);
      const before = await store.ledger.balance(account, T0, null);
      for (let i = 0; i < 5; i++) {
        const refused = await reserveAt(store, account, T0 + 10, limits);
        expect(refused).toMatchObject({
          status: "rate_limited",
          limit: "requests",
          window: { plan: "tiny", limit: 3, remaining: 0 },
        });
      }
      const refused = await reserveAt(store, account, T0 + 10, limits);
      if (refused.status !== "rate_limited") throw new Error("expected a refusal");
      // Three calls in slot T0: the window has room once they weigh less than 3, just past the next slot's start.
      expect(refused.retry_after_ms).toBe(W - 10 + 1);
      expect(await store.ledger.balance(account, T0 + 10, null)).toEqual(before);
      expect((await store.ledger.entries(account, { limit: 10 }, null)).map((e) => e.reason)).toEqual(["admin_grant"]);
      const retryAt = T0 + 10 + refused.retry_after_ms;
      expect((await reserveAt(store, account, retryAt - 1, limits)).status).toBe("rate_limited");
      // Refused requests were not counted: had they been, 8 calls would still weigh more than 3.
      expect((await reserveAt(store, account, retryAt, limits)).status).toBe("reserved");
      // Two windows later the count has gone entirely.
      const later = await reserveAt(store, account, T0 + 3 * W, limits);
      expect(later).toMatchObject({ status: "reserved", window: { limit: 3, remaining: 2 } });
    });

    it("hits of routes that are not metered share the window with the holds and refuse alike, without counting", async () => {
      const store = makeStore();
      const account = acct();
      await fund(store, account, AMOUNT * 10);
      const limits = table({ tiny: [3, 100] });
      expect(await store.limits.hit(account, limits, T0, null)).toMatchObject({
        status: "allowed",
        window: { plan: "tiny", limit: 3, remaining: 2, reset_ms: W },
      });
      expect((await reserveAt(store, account, T0 + 1, limits)).status).toBe("reserved");
      expect(await store.limits.hit(account, limits, T0 + 2, null)).toMatchObject({ window: { remaining: 0 } });
      for (let i = 0; i < 4; i++) {
        expect(await store.limits.hit(account, limits, T0 + 30_000, null)).toMatchObject({
          status: "rate_limited",
          limit: "requests",
          retry_after_ms: 30_001,
        });
      }
      expect((await reserveAt(store, account, T0 + 30_000, limits)).status).toBe("rate_limited");
      expect((await store.limits.hit(account, limits, T0 + 60_001, null)).status).toBe("allowed");
    });

    it("a replayed reserve of a placed hold counts nothing", async () => {
      const store = makeStore();
      const account = acct();
      await fund(store, account, AMOUNT * 10);
      const limits = table({ tiny: [5, 100] });
      const id = hold();
      expect(await reserveAt(store, account, T0, limits, id)).toMatchObject({ window: { remaining: 4 } });
      expect(await reserveAt(store, account, T0 + 1, limits, id)).toMatchObject({
        status: "reserved",
        window: { remaining: 4 },
      });
      expect(await reserveAt(store, account, T0 + 2, limits)).toMatchObject({ window: { remaining: 3 } });
    });

    it("counts the account's unexpired holds as calls in flight: a settle, a release or an expiry frees a slot", async () => {
      const store = makeStore();
      const account = acct();
      await fund(store, account, AMOUNT * 100);
      const limits = table({ tiny: [1_000, 2] });
      const [a, b] = [hold(), hold()];
      expect((await reserveAt(store, account, T0, limits, a)).status).toBe("reserved");
      expect((await reserveAt(store, account, T0, limits, b)).status).toBe("reserved");
      const refused = await reserveAt(store, account, T0 + 1, limits);
      expect(refused).toMatchObject({
        status: "rate_limited",
        limit: "concurrency",
        concurrent: 2,
        retry_after_ms: 1_000,
        window: { limit: 1_000, remaining: 998 },
      });
      expect((await store.ledger.balance(account, T0 + 1, null)).held_micros).toBe(2 * AMOUNT);
      await store.ledger.settle(account, a, charge(AMOUNT / 2), T0 + 2);
      const c = hold();
      expect((await reserveAt(store, account, T0 + 3, limits, c)).status).toBe("reserved");
      expect((await reserveAt(store, account, T0 + 3, limits)).status).toBe("rate_limited");
      expect(await store.ledger.release(account, b, T0 + 4)).toBe(true);
      expect((await reserveAt(store, account, T0 + 5, limits)).status).toBe("reserved");
      // Both holds expire 120 s after they were placed: two slots free again.
      expect((await reserveAt(store, account, T0 + 5 + 120_000, limits)).status).toBe("reserved");
      expect((await reserveAt(store, account, T0 + 5 + 120_000, limits)).status).toBe("reserved");
      expect((await reserveAt(store, account, T0 + 5 + 120_000, limits)).status).toBe("rate_limited");
    });

    it("200 concurrent reserves against 50 requests per minute: exactly 50 pass", async () => {
      const store = makeStore();
      const account = acct();
      await fund(store, account, AMOUNT * 1_000);
      const limits = table({ tiny: [50, 10_000] });
      const results = await Promise.all(Array.from({ length: 200 }, () => reserveAt(store, account, T0, limits)));
      expect(results.filter((r) => r.status === "reserved")).toHaveLength(50);
      expect(results.filter((r) => r.status === "rate_limited")).toHaveLength(150);
      expect((await store.ledger.balance(account, T0, null)).held_micros).toBe(50 * AMOUNT);
    });

    it("200 concurrent reserves against 50 concurrent calls: exactly 50 pass", async () => {
      const store = makeStore();
      const account = acct();
      await fund(store, account, AMOUNT * 1_000);
      const limits = table({ tiny: [10_000, 50] });
      const results = await Promise.all(Array.from({ length: 200 }, () => reserveAt(store, account, T0, limits)));
      expect(results.filter((r) => r.status === "reserved")).toHaveLength(50);
      expect(results.filter((r) => r.status === "rate_limited" && r.limit === "concurrency")).toHaveLength(150);
      expect((await store.ledger.balance(account, T0, null)).held_micros).toBe(50 * AMOUNT);
    });

    it("picks the limits of the plan the account records; an unknown or absent plan gets the default", async () => {
      const store = makeStore();
      const limits = table({ free: [2, 1], pro: [7, 3] }, "free");
      const onPlan = async (plan: string | null) => {
        const account = acct();
        if (plan !== undefined) await store.accounts.create({ id: account, source: "key", plan }, T0);
        await fund(store, account, AMOUNT * 10);
        return account;
      };
      expect(await reserveAt(store, await onPlan("pro"), T0, limits)).toMatchObject({
        window: { plan: "pro", limit: 7, remaining: 6 },
      });
      expect(await reserveAt(store, await onPlan("retired"), T0, limits)).toMatchObject({
        window: { plan: "free", limit: 2, remaining: 1 },
      });
      expect(await reserveAt(store, await onPlan(null), T0, limits)).toMatchObject({
        window: { plan: "free", limit: 2 },
      });
      const pro = await onPlan("pro");
      expect(await store.limits.hit(pro, limits, T0, null)).toMatchObject({ window: { plan: "pro", limit: 7 } });
      // A forced plan (a RapidAPI subscription) wins over the record.
      expect(await store.limits.hit(pro, { ...limits, plan: "free" }, T0, null)).toMatchObject({
        window: { plan: "free", limit: 2, remaining: 0 },
      });
      expect(await store.limits.hit(acct(), limits, T0, null)).toMatchObject({ window: { plan: "free" } });
    });

    it("RapidAPI calls: counted and marked in flight in one step; the call's accrual or its end frees the slot", async () => {
      const store = makeStore();
      const account = `rapidapi:user-${crypto.randomUUID().slice(0, 12)}`;
      const limits = { ...table({ free: [1_000, 1], pro: [1_000, 2] }, "free"), plan: "pro" };
      expect(await store.limits.begin(account, "call-1", limits, 120_000, T0)).toMatchObject({
        status: "allowed",
        window: { plan: "pro", limit: 1_000, remaining: 999 },
      });
      expect((await store.limits.begin(account, "call-2", limits, 120_000, T0)).status).toBe("allowed");
      expect(await store.limits.begin(account, "call-3", limits, 120_000, T0)).toMatchObject({
        status: "rate_limited",
        limit: "concurrency",
      });
      await store.rapidapi.accrue(account, { call_id: "call-1", charge: charge(1_000), bill: true, plan: "PRO" }, T0);
      expect((await store.limits.begin(account, "call-3", limits, 120_000, T0)).status).toBe("allowed");
      expect((await store.limits.begin(account, "call-4", limits, 120_000, T0)).status).toBe("rate_limited");
      await store.limits.end(account, "call-2");
      await store.limits.end(account, "call-2");
      expect((await store.limits.begin(account, "call-4", limits, 120_000, T0)).status).toBe("allowed");
      // Markers expire with the hold's lifetime.
      expect((await store.limits.begin(account, "call-5", limits, 120_000, T0 + 120_000)).status).toBe("allowed");
    });
  });
}
