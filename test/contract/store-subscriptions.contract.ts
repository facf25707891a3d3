import { describe, expect, it } from "vitest";
import type { PlanAllowanceRequest, PlanChangeRequest } from "../../src/stores/payment-ports.ts";
import type { Store } from "../../src/stores/ports.ts";
import { acct, T0 } from "./contract-helpers.ts";
import { CREDIT, id, payment, paymentHelpers } from "./payment-fixtures.ts";

/** A paid subscription invoice granting `credits` and setting `plan`, reported at `at`. */
const invoice = (plan: string, credits: number, at = T0, invoiceId = id("in")) => {
  const request = (eventId = id("evt"), changedAt = at): PlanAllowanceRequest => ({
    event_id: eventId,
    event_type: "invoice.paid",
    invoice_id: invoiceId,
    plan_id: plan,
    amount_micros: credits * CREDIT,
    amount_paid_cents: 2_900,
    changed_at: changedAt,
  });
  return { invoiceId, request };
};

const change = (plan: string | null, at: number, eventId = id("evt")): PlanChangeRequest => ({
  event_id: eventId,
  event_type: plan === null ? "customer.subscription.deleted" : "customer.subscription.updated",
  reference: "sub_1",
  plan_id: plan,
  changed_at: at,
  note: plan === null ? "default plan" : `plan ${plan}`,
});

/** Subscription allowances, plan changes in event order, and the account's Stripe customer. Part of storeContract. */
export function subscriptionsContract(makeStore: () => Store) {
  const { newAccount, balance, spend } = paymentHelpers();
  const planOf = async (store: Store, account: string) => (await store.accounts.get(account))?.plan ?? null;

  describe("subscriptions", () => {
    it("an invoice grants its allowance once per event id and once per invoice, and sets the plan in the same step", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const paid = invoice("pro", 2_000);
      const first = paid.request("evt_first");
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store.payments.planAllowance(account, i % 2 ? first : paid.request(`evt_other_${i % 3}`), T0),
        ),
      );
      expect(results.filter((r) => r.status === "applied" && r.outcome === "granted")).toHaveLength(1);
      expect(await balance(store, account)).toBe(2_000 * CREDIT);
      expect(await planOf(store, account)).toBe("pro");
      const entries = await store.ledger.entries(account, { limit: 10 }, null);
      expect(entries).toEqual([
        expect.objectContaining({
          reason: "plan_allowance",
          amount_micros: 2_000 * CREDIT,
          reference: `stripe:${paid.invoiceId}`,
          amount_paid_cents: 2_900,
          balance_after_micros: 2_000 * CREDIT,
        }),
      ]);
      const replay = await store.payments.planAllowance(account, first, T0 + 1);
      expect(replay).toMatchObject({ status: "replayed", balance: { balance_micros: 2_000 * CREDIT } });
      const { events } = await store.payments.events(account, 10);
      expect(events.map((e) => e.outcome).sort()).toEqual(["granted", "unchanged", "unchanged", "unchanged"]);
      expect(events.find((e) => e.outcome === "granted")).toMatchObject({
        event_type: "invoice.paid",
        reference: paid.invoiceId,
        changed_micros: 2_000 * CREDIT,
      });
    });

    it("each new invoice grants again; unused allowance stays", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      await store.payments.planAllowance(account, invoice("pro", 2_000, T0).request(), T0);
      await spend(store, account, 500 * CREDIT);
      const next = await store.payments.planAllowance(account, invoice("pro", 2_000, T0 + 10).request(), T0 + 10);
      expect(next).toMatchObject({ status: "applied", outcome: "granted", changed_micros: 2_000 * CREDIT });
      expect(await balance(store, account)).toBe(3_500 * CREDIT);
    });

    it("an allowance of 0 sets the plan and writes no entry", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const result = await store.payments.planAllowance(account, invoice("starter", 0).request(), T0);
      expect(result).toMatchObject({ status: "applied", outcome: "granted", changed_micros: 0 });
      expect(await planOf(store, account)).toBe("starter");
      expect(await store.ledger.entries(account, { limit: 10 }, null)).toEqual([]);
    });

    it("an allowance first pays what earlier claw-backs left owed", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const p = payment(5_000);
      await store.payments.purchase(account, p.purchase(), T0);
      await spend(store, account, 4_000 * CREDIT);
      await store.payments.adjust(account, p.refund(5_000), T0);
      expect((await store.payments.events(account, 1)).standing.owed_micros).toBe(4_000 * CREDIT);
      const granted = await store.payments.planAllowance(account, invoice("pro", 3_000).request(), T0);
      expect(granted).toMatchObject({ outcome: "granted", changed_micros: 0, owed_micros: -3_000 * CREDIT });
      expect(await balance(store, account)).toBe(0);
      expect((await store.payments.events(account, 1)).standing.owed_micros).toBe(1_000 * CREDIT);
    });

    it("plan changes apply in event time order: an older change arriving late is recorded as stale", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      await store.payments.planAllowance(account, invoice("pro", 1_000, T0).request(), T0);
      // Deleted at T0+200, then an update made at T0+100 arrives.
      expect(await store.payments.setPlan(account, change(null, T0 + 200), T0 + 300)).toMatchObject({
        status: "applied",
        outcome: "plan_changed",
        changed_micros: 0,
      });
      expect(await planOf(store, account)).toBeNull();
      const late = change("ultra", T0 + 100);
      expect(await store.payments.setPlan(account, late, T0 + 301)).toMatchObject({ outcome: "stale" });
      expect(await planOf(store, account)).toBeNull();
      // A late invoice still grants (it was paid) but leaves the plan alone.
      const lateInvoice = await store.payments.planAllowance(account, invoice("ultra", 500, T0 + 150).request(), T0);
      expect(lateInvoice).toMatchObject({ outcome: "granted", changed_micros: 500 * CREDIT });
      expect(await planOf(store, account)).toBeNull();
      // A newer change applies; the replay of the stale one still changes nothing.
      expect(await store.payments.setPlan(account, change("mega", T0 + 400), T0 + 400)).toMatchObject({
        outcome: "plan_changed",
      });
      expect(await store.payments.setPlan(account, late, T0 + 500)).toMatchObject({
        status: "replayed",
        outcome: "stale",
      });
      expect(await planOf(store, account)).toBe("mega");
      const { events } = await store.payments.events(account, 10);
      expect(events.find((e) => e.event_id === late.event_id)).toMatchObject({
        outcome: "stale",
        reference: "sub_1",
        note: "plan ultra",
      });
    });

    it("an unknown account is reported and nothing is created", async () => {
      const store = makeStore();
      const account = acct();
      expect(await store.payments.planAllowance(account, invoice("pro", 10).request(), T0)).toEqual({
        status: "account_not_found",
      });
      expect(await store.payments.setPlan(account, change("pro", T0), T0)).toEqual({ status: "account_not_found" });
      expect(await store.payments.linkCustomer(account, "cus_x")).toEqual({ status: "account_not_found" });
      expect(await store.accounts.get(account)).toBeNull();
    });

    it("keeps one Stripe customer per account: the first linked wins under concurrent links", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      expect(await store.payments.customer(account)).toBeNull();
      const linked = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.payments.linkCustomer(account, `cus_${i}`)),
      );
      const ids = new Set(linked.map((r) => ("customer_id" in r ? r.customer_id : r.status)));
      expect(ids.size).toBe(1);
      expect(linked.filter((r) => r.status === "linked")).toHaveLength(1);
      const [only] = [...ids];
      expect(await store.payments.customer(account)).toBe(only);
      expect(await store.payments.linkCustomer(account, "cus_other")).toEqual({ status: "kept", customer_id: only });
      // The customer sits beside the plan; neither disturbs the other.
      await store.payments.setPlan(account, change("pro", T0), T0);
      expect(await store.payments.customer(account)).toBe(only);
      expect(await planOf(store, account)).toBe("pro");
    });
  });
}
