import { describe, expect, it } from "vitest";
import type { Store } from "../../src/stores/ports.ts";
import { T0 } from "./contract-helpers.ts";
import { CREDIT, id, payment, paymentHelpers } from "./payment-fixtures.ts";

/** Disputes, and owed claw-backs. Part of storeContract. */
export function disputesContract(makeStore: () => Store) {
  const { newAccount, balance, spend } = paymentHelpers();

  describe("payments: disputes and what is owed", () => {
    it("what is owed is collected from the next purchase, and a dispute won later gives back exactly what was taken", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const [first, second] = [payment(), payment(1_000)];
      await store.payments.purchase(account, first.purchase(), T0);
      await spend(store, account, 4_000 * CREDIT);
      await store.payments.adjust(account, first.dispute("dp_owed"), T0);
      expect((await store.payments.events(account, 5)).standing.owed_micros).toBe(4_000 * CREDIT);
      expect(await store.payments.purchase(account, second.purchase(), T0)).toMatchObject({
        outcome: "granted",
        changed_micros: 0,
        owed_micros: -1_000 * CREDIT,
        balance: { balance_micros: 0 },
      });
      const [collected] = await store.ledger.entries(account, { limit: 1 }, null);
      expect(collected).toMatchObject({ reason: "clawback", amount_micros: -1_000 * CREDIT, reference: "stripe:owed" });
      expect((await store.payments.events(account, 5)).standing.owed_micros).toBe(3_000 * CREDIT);
      // Won: the 3,000 still owed are cancelled and the 2,000 taken (1,000 at once, 1,000 collected) come back.
      expect(await store.payments.adjust(account, first.won("dp_owed"), T0)).toMatchObject({
        changed_micros: 2_000 * CREDIT,
        owed_micros: -3_000 * CREDIT,
      });
      expect(await balance(store, account)).toBe(2_000 * CREDIT);
      expect((await store.payments.events(account, 5)).standing.owed_micros).toBe(0);
    });

    it("a dispute claws back and flags the account; won, it gives back once; lost, nothing more", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const [won, lost] = [payment(), payment(1_000)];
      await store.payments.purchase(account, won.purchase(), T0);
      await store.payments.purchase(account, lost.purchase(), T0);
      const opened = won.dispute("dp_won");
      expect(await store.payments.adjust(account, opened, T0 + 1)).toMatchObject({ changed_micros: -5_000 * CREDIT });
      expect(await store.payments.adjust(account, { ...opened, event_id: id("evt") }, T0)).toMatchObject({
        outcome: "unchanged",
      });
      expect((await store.payments.events(account, 5)).standing.disputed_at).toBe(T0 + 1);
      const closed = won.won("dp_won");
      expect(await store.payments.adjust(account, closed, T0)).toMatchObject({
        outcome: "reversed",
        changed_micros: 5_000 * CREDIT,
      });
      expect((await store.payments.adjust(account, closed, T0)).status).toBe("replayed");
      expect(await store.payments.adjust(account, won.won("dp_won"), T0)).toMatchObject({ changed_micros: 0 });
      const [reversal] = await store.ledger.entries(account, { limit: 1 }, null);
      expect(reversal).toMatchObject({
        reason: "reversal",
        amount_micros: 5_000 * CREDIT,
        reference: "stripe:dispute:dp_won",
      });

      await store.payments.adjust(account, lost.dispute("dp_lost"), T0);
      const closedLost = { ...lost.dispute("dp_lost"), event_type: "charge.dispute.closed" };
      expect(await store.payments.adjust(account, closedLost, T0)).toMatchObject({ changed_micros: 0 });
      expect(await balance(store, account)).toBe(5_000 * CREDIT);
    });

    it("a dispute won after part of it was owed cancels what is owed first, then gives back what was taken", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const p = payment();
      await store.payments.purchase(account, p.purchase(), T0);
      await spend(store, account, 4_000 * CREDIT);
      expect(await store.payments.adjust(account, p.dispute("dp_1"), T0)).toMatchObject({
        changed_micros: -1_000 * CREDIT,
        owed_micros: 4_000 * CREDIT,
      });
      expect(await store.payments.adjust(account, p.won("dp_1"), T0)).toMatchObject({
        outcome: "reversed",
        changed_micros: 1_000 * CREDIT,
        owed_micros: -4_000 * CREDIT,
      });
      expect(await balance(store, account)).toBe(1_000 * CREDIT);
      expect((await store.payments.events(account, 5)).standing.owed_micros).toBe(0);
    });

    it("a dispute won before it is seen opening takes nothing when the opening arrives", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const p = payment();
      await store.payments.purchase(account, p.purchase(), T0);
      await store.payments.adjust(account, p.won("dp_late"), T0);
      expect(await store.payments.adjust(account, p.dispute("dp_late"), T0)).toMatchObject({ changed_micros: 0 });
      expect(await balance(store, account)).toBe(5_000 * CREDIT);
    });
  });
}
