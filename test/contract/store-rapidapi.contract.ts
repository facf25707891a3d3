import { describe, expect, it } from "vitest";
import type { Store } from "../../src/stores/ports.ts";
import { charge, T0 } from "./contract-helpers.ts";

const rapidUser = () => `rapidapi:user-${crypto.randomUUID().slice(0, 12)}`;
const ceilCredits = (micros: number) => Math.ceil(micros / 1_000_000);

/** RapidAPI accruals: part of the one store contract, run against every adapter. */
export function rapidApiContract(makeStore: () => Store) {
  describe("rapidapi accruals", () => {
    it("bills the whole credits owed, rounded up, and carries the surplus: billed = ceil(total) after every billing step", async () => {
      const store = makeStore();
      const account = rapidUser();
      const costs = [400_000, 700_000, 1_000_000, 1, 2_999_999, 250_000];
      let total = 0;
      let billed = 0;
      for (const [i, cost] of costs.entries()) {
        const outcome = await store.rapidapi.accrue(
          account,
          { call_id: `call-${i}`, charge: charge(cost), bill: true, plan: "PRO" },
          T0,
        );
        total += cost;
        billed += outcome.billed_credits;
        expect(outcome.status).toBe("applied");
        expect(billed).toBe(ceilCredits(total));
        expect(outcome.unbilled_micros).toBe(total - billed * 1_000_000);
        expect(outcome.accrued_micros).toBe(total);
      }
      const entries = await store.ledger.entries(account, { limit: 20 }, null);
      expect(entries.filter((e) => e.reason === "usage").map((e) => -e.amount_micros)).toEqual([...costs].reverse());
      expect(await store.accounts.get(account)).toMatchObject({ source: "rapidapi", plan: "PRO" });
    });

    it("accrues without billing (a stream's own cost), then bills what is owed before the next answer", async () => {
      const store = makeStore();
      const account = rapidUser();
      const streamed = await store.rapidapi.accrue(
        account,
        { call_id: "stream-1", charge: charge(2_500_000), bill: false, plan: null },
        T0,
      );
      expect(streamed).toMatchObject({ billed_credits: 0, unbilled_micros: 2_500_000 });
      const next = await store.rapidapi.accrue(
        account,
        { call_id: "bill-2", charge: null, bill: true, plan: null },
        T0,
      );
      expect(next).toMatchObject({ billed_credits: 3, unbilled_micros: -500_000, accrued_micros: 2_500_000 });
      const nothing = await store.rapidapi.accrue(
        account,
        { call_id: "bill-3", charge: null, bill: true, plan: null },
        T0,
      );
      expect(nothing).toMatchObject({ billed_credits: 0, unbilled_micros: -500_000 });
    });

    it("a replayed step answers the same credits and changes nothing", async () => {
      const store = makeStore();
      const account = rapidUser();
      const accrual = { call_id: "once", charge: charge(1_500_000), bill: true, plan: null };
      const first = await store.rapidapi.accrue(account, accrual, T0);
      const again = await store.rapidapi.accrue(account, accrual, T0);
      expect(first).toMatchObject({ status: "applied", billed_credits: 2 });
      expect(again).toMatchObject({ status: "replayed", billed_credits: 2, accrued_micros: 1_500_000 });
      expect(await store.ledger.entries(account, { limit: 10 }, null)).toHaveLength(1);
    });

    it("a billing step that landed after its answer went out billing 0: the lost-billing retry gives its credits back to owed, once", async () => {
      const store = makeStore();
      const account = rapidUser();
      const call = { call_id: "late", charge: charge(1_500_000), plan: null };
      // The billing step lands, but the gateway stopped waiting: its answer said Credits=0.
      const landed = await store.rapidapi.accrue(account, { ...call, bill: true }, T0);
      expect(landed).toMatchObject({ status: "applied", billed_credits: 2, unbilled_micros: -500_000 });
      const retry = { ...call, bill: false, billing_lost: true };
      const undone = await store.rapidapi.accrue(account, retry, T0);
      expect(undone).toMatchObject({ status: "replayed", billed_credits: 0, unbilled_micros: 1_500_000 });
      // Delivered again (a queue delivers at least once), and the late first step replayed: nothing changes.
      expect(await store.rapidapi.accrue(account, retry, T0)).toMatchObject({
        billed_credits: 0,
        unbilled_micros: 1_500_000,
      });
      expect(await store.rapidapi.accrue(account, { ...call, bill: true }, T0)).toMatchObject({
        status: "replayed",
        billed_credits: 0,
        unbilled_micros: 1_500_000,
      });
      expect(await store.rapidapi.report(account, "2026-11-24", "2026-11-24")).toEqual([
        { date: "2026-11-24", calls: 1, accrued_micros: 1_500_000, billed_credits: 0 },
      ]);
      // The next answer bills them: billed = ceil(total), the call in the ledger once.
      const next = await store.rapidapi.accrue(
        account,
        { call_id: "next", charge: charge(200_000), bill: true, plan: null },
        T0,
      );
      expect(next).toMatchObject({ billed_credits: 2, unbilled_micros: -300_000, accrued_micros: 1_700_000 });
      expect(await store.ledger.entries(account, { limit: 10 }, null)).toHaveLength(2);
      expect(await store.rapidapi.report(account, "2026-11-24", "2026-11-24")).toEqual([
        { date: "2026-11-24", calls: 2, accrued_micros: 1_700_000, billed_credits: 2 },
      ]);
    });

    it("a lost-billing retry that lands before its late billing step: the call accrues once, unbilled, and the late step replays without billing", async () => {
      const store = makeStore();
      const account = rapidUser();
      await store.rapidapi.accrue(account, { call_id: "owed", charge: charge(700_000), bill: false, plan: null }, T0);
      const retry = { call_id: "stream-bill", charge: null, bill: false, plan: null, billing_lost: true };
      expect(await store.rapidapi.accrue(account, retry, T0)).toMatchObject({
        status: "applied",
        billed_credits: 0,
        unbilled_micros: 700_000,
      });
      const late = await store.rapidapi.accrue(account, { ...retry, bill: true, billing_lost: false }, T0);
      expect(late).toMatchObject({ status: "replayed", billed_credits: 0, unbilled_micros: 700_000 });
      const next = await store.rapidapi.accrue(account, { call_id: "n", charge: null, bill: true, plan: null }, T0);
      expect(next).toMatchObject({ billed_credits: 1, unbilled_micros: -300_000 });
    });

    it("50 concurrent billing steps bill every µcr exactly once", async () => {
      const store = makeStore();
      const account = rapidUser();
      const costs = Array.from({ length: 50 }, (_, i) => 123_457 * (i + 1));
      const outcomes = await Promise.all(
        costs.map((cost, i) =>
          store.rapidapi.accrue(account, { call_id: `c${i}`, charge: charge(cost), bill: true, plan: null }, T0),
        ),
      );
      const total = costs.reduce((a, b) => a + b, 0);
      expect(outcomes.reduce((sum, o) => sum + o.billed_credits, 0)).toBe(ceilCredits(total));
    });

    it("reports calls, accrued µcr and billed credits per UTC day", async () => {
      const store = makeStore();
      const account = rapidUser();
      const day2 = T0 + 86_400_000;
      await store.rapidapi.accrue(account, { call_id: "a", charge: charge(300_000), bill: true, plan: null }, T0);
      await store.rapidapi.accrue(account, { call_id: "b", charge: charge(900_000), bill: true, plan: null }, T0);
      await store.rapidapi.accrue(account, { call_id: "c", charge: charge(50_000), bill: false, plan: null }, day2);
      expect(await store.rapidapi.report(account, "2026-11-24", "2026-11-25")).toEqual([
        { date: "2026-11-24", calls: 2, accrued_micros: 1_200_000, billed_credits: 2 },
        { date: "2026-11-25", calls: 1, accrued_micros: 50_000, billed_credits: 0 },
      ]);
      expect(await store.rapidapi.report(account, "2026-11-25", "2026-11-25")).toHaveLength(1);
    });
  });
}
