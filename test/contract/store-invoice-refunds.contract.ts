import { describe, expect, it } from "vitest";
import type { Store } from "../../src/stores/ports.ts";
import { T0 } from "./contract-helpers.ts";
import { CREDIT, invoicePayment, paymentHelpers } from "./payment-fixtures.ts";

/** ceil(2,000 credits x 1,000 / 2,900 cents), as shareMicros rounds. */
const SHARE_OF_1000_CENTS = 689_655_173;

/** Refunds and disputes of a subscription invoice's payment take back the allowance's share. Part of storeContract. */
export function invoiceRefundsContract(makeStore: () => Store) {
  const { newAccount, balance, spend } = paymentHelpers();
  const entries = (store: Store, account: string) => store.ledger.entries(account, { limit: 20 }, null);

  describe("subscription invoice refunds and disputes", () => {
    it("a full refund takes back the invoice's allowance once: replays and repeats take nothing more", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const inv = invoicePayment(2_000, 2_900);
      await store.payments.planAllowance(account, inv.paid(), T0);
      const refund = inv.refund(2_900);
      expect(await store.payments.adjust(account, refund, T0)).toMatchObject({
        status: "applied",
        outcome: "clawed_back",
        changed_micros: -2_000 * CREDIT,
        owed_micros: 0,
        balance: { balance_micros: 0 },
      });
      expect(await store.payments.adjust(account, refund, T0 + 1)).toMatchObject({
        status: "replayed",
        outcome: "clawed_back",
      });
      expect(await store.payments.adjust(account, inv.refund(2_900), T0 + 2)).toMatchObject({
        status: "applied",
        outcome: "unchanged",
        changed_micros: 0,
      });
      expect(await balance(store, account)).toBe(0);
      expect((await entries(store, account)).map((e) => [e.reason, e.amount_micros, e.reference])).toEqual([
        ["clawback", -2_000 * CREDIT, `stripe:refund:${inv.intent}`],
        ["plan_allowance", 2_000 * CREDIT, `stripe:${inv.invoiceId}`],
      ]);
      const { events } = await store.payments.events(account, 10);
      expect(events.find((e) => e.event_id === refund.event_id)).toMatchObject({
        account_id: account,
        reference: inv.intent,
        outcome: "clawed_back",
      });
    });

    it("a partial refund takes its share by cents; a late smaller refund nothing; the full refund the rest", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const inv = invoicePayment(2_000, 2_900);
      await store.payments.planAllowance(account, inv.paid(), T0);
      expect(await store.payments.adjust(account, inv.refund(1_000), T0)).toMatchObject({
        outcome: "clawed_back",
        changed_micros: -SHARE_OF_1000_CENTS,
      });
      expect(await store.payments.adjust(account, inv.refund(500), T0)).toMatchObject({
        outcome: "unchanged",
        changed_micros: 0,
      });
      expect(await balance(store, account)).toBe(2_000 * CREDIT - SHARE_OF_1000_CENTS);
      expect(await store.payments.adjust(account, inv.refund(2_900), T0)).toMatchObject({
        outcome: "clawed_back",
        changed_micros: -(2_000 * CREDIT - SHARE_OF_1000_CENTS),
      });
      expect(await balance(store, account)).toBe(0);
    });

    it("a refund larger than the balance takes what is there and records the rest as owed", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const inv = invoicePayment(2_000, 2_900);
      await store.payments.planAllowance(account, inv.paid(), T0);
      await spend(store, account, 1_500 * CREDIT);
      expect(await store.payments.adjust(account, inv.refund(2_900), T0)).toMatchObject({
        outcome: "clawed_back",
        changed_micros: -500 * CREDIT,
        owed_micros: 1_500 * CREDIT,
      });
      expect(await balance(store, account)).toBe(0);
      expect((await store.payments.events(account, 1)).standing.owed_micros).toBe(1_500 * CREDIT);
      const [uncollected] = await entries(store, account);
      expect(uncollected).toMatchObject({
        reason: "uncollected",
        amount_micros: 0,
        uncollected_micros: 1_500 * CREDIT,
      });
    });

    it("a dispute takes back its share and a won dispute gives it back, once", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const inv = invoicePayment(2_000, 2_900);
      await store.payments.planAllowance(account, inv.paid(), T0);
      expect(await store.payments.adjust(account, inv.dispute("dp_inv", 1_000), T0)).toMatchObject({
        outcome: "clawed_back",
        changed_micros: -SHARE_OF_1000_CENTS,
      });
      expect(await store.payments.adjust(account, inv.won("dp_inv"), T0)).toMatchObject({
        outcome: "reversed",
        changed_micros: SHARE_OF_1000_CENTS,
      });
      expect(await store.payments.adjust(account, inv.won("dp_inv"), T0)).toMatchObject({
        outcome: "unchanged",
        changed_micros: 0,
      });
      expect(await balance(store, account)).toBe(2_000 * CREDIT);
      expect((await store.payments.events(account, 1)).standing.disputed_at).toBe(T0);
    });

    it("an invoice that granted nothing takes nothing back, and the refund is recorded on the account", async () => {
      const store = makeStore();
      const account = await newAccount(store, 300 * CREDIT);
      const trial = invoicePayment(0, 2_900);
      await store.payments.planAllowance(account, trial.paid(), T0);
      const refund = trial.refund(2_900);
      expect(await store.payments.adjust(account, refund, T0)).toMatchObject({
        status: "applied",
        outcome: "unchanged",
        changed_micros: 0,
        owed_micros: 0,
      });
      expect(await balance(store, account)).toBe(300 * CREDIT);
      expect((await entries(store, account)).map((e) => e.reason)).toEqual(["admin_grant"]);
      const { events } = await store.payments.events(account, 10);
      expect(events.find((e) => e.event_id === refund.event_id)).toMatchObject({ account_id: account });
    });

    it("a refund of an invoice not granted yet is pending; a refund event after the grant takes the cumulative share", async () => {
      const store = makeStore();
      const account = await newAccount(store, 300 * CREDIT);
      const inv = invoicePayment(2_000, 2_900);
      expect(await store.payments.adjust(account, inv.refund(1_000), T0)).toMatchObject({
        outcome: "pending",
        changed_micros: 0,
      });
      expect(await balance(store, account)).toBe(300 * CREDIT);
      await store.payments.planAllowance(account, inv.paid(), T0);
      expect(await store.payments.adjust(account, inv.refund(1_000), T0)).toMatchObject({
        outcome: "clawed_back",
        changed_micros: -SHARE_OF_1000_CENTS,
      });
      expect(await balance(store, account)).toBe(2_300 * CREDIT - SHARE_OF_1000_CENTS);
    });
  });
}
