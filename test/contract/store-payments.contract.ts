import { describe, expect, it } from "vitest";
import type { Store } from "../../src/stores/ports.ts";
import { acct, T0 } from "./contract-helpers.ts";
import { CREDIT, id, payment, paymentHelpers } from "./payment-fixtures.ts";

/** Purchases, refunds and recorded events. Part of storeContract. */
export function paymentsContract(makeStore: () => Store) {
  const { newAccount, balance, spend } = paymentHelpers();
  const entries = async (store: Store, account: string) =>
    (await store.ledger.entries(account, { limit: 50 }, null)).map((e) => [e.reason, e.amount_micros]);

  describe("payments", () => {
    it("a purchase grants once per event id and once per session, with its entry and record", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const p = payment();
      const first = p.purchase("evt_first");
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.payments.purchase(account, i % 2 ? first : p.purchase(`evt_other_${i % 4}`), T0),
        ),
      );
      expect(results.filter((r) => r.status === "applied" && r.outcome === "granted")).toHaveLength(1);
      expect(await balance(store, account)).toBe(5_000 * CREDIT);
      const [entry, ...rest] = await store.ledger.entries(account, { limit: 50 }, null);
      expect(rest).toEqual([]);
      expect(entry).toMatchObject({
        reason: "purchase",
        amount_micros: 5_000 * CREDIT,
        reference: `stripe:${p.session}`,
        amount_paid_cents: 5_000,
        balance_after_micros: 5_000 * CREDIT,
      });
      const replay = await store.payments.purchase(account, first, T0 + 5);
      expect(replay).toMatchObject({ status: "replayed", balance: { balance_micros: 5_000 * CREDIT } });
      const { events } = await store.payments.events(account, 10);
      expect(events.map((e) => e.event_id).sort()).toEqual(["evt_first", "evt_other_0", "evt_other_2"].sort());
      expect(events.filter((e) => e.outcome === "granted")).toHaveLength(1);
      expect(events.filter((e) => e.outcome === "unchanged")).toHaveLength(2);
      expect(events[0]).toMatchObject({
        account_id: account,
        reference: p.session,
        event_type: "checkout.session.completed",
      });
    });

    it("a PayPal capture (ids paypal:<capture>) grants once by capture and is referenced paypal:<id>, its refunds paypal:refund:<id>", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const capture = `paypal:${id("CAP").toUpperCase()}`;
      const grant = (eventId: string) => ({
        event_id: eventId,
        event_type: "PAYMENT.CAPTURE.COMPLETED",
        session_id: capture,
        payment_intent: capture,
        amount_paid_cents: 1_000,
        amount_micros: 1_000 * CREDIT,
      });
      const byRoute = store.payments.purchase(account, grant(`paypal-capture:${capture}`), T0);
      const byHook = store.payments.purchase(account, grant(id("WH")), T0);
      const outcomes = (await Promise.all([byRoute, byHook])).map((r) =>
        r.status === "applied" ? r.outcome : r.status,
      );
      expect(outcomes.sort()).toEqual(["granted", "unchanged"]);
      const refund = {
        event_id: id("WH"),
        event_type: "PAYMENT.CAPTURE.REFUNDED",
        payment_intent: capture,
        amount_paid_cents: 1_000,
        kind: "refund" as const,
        refunded_cents: 250,
        target_micros: 250 * CREDIT,
      };
      expect(await store.payments.adjust(account, refund, T0)).toMatchObject({ changed_micros: -250 * CREDIT });
      const bare = capture.slice("paypal:".length);
      expect((await store.ledger.entries(account, { limit: 10 }, null)).map((e) => [e.reason, e.reference])).toEqual([
        ["clawback", `paypal:refund:${bare}`],
        ["purchase", `paypal:${bare}`],
      ]);
      expect(await balance(store, account)).toBe(750 * CREDIT);
    });

    it("refuses nothing silently: an unknown account is reported, and nothing is created", async () => {
      const store = makeStore();
      const account = acct();
      expect(await store.payments.purchase(account, payment().purchase(), T0)).toEqual({ status: "account_not_found" });
      expect(await store.payments.adjust(account, payment().refund(10), T0)).toEqual({ status: "account_not_found" });
      expect(await store.accounts.get(account)).toBeNull();
    });

    it("a full refund takes the purchase back; a replay or a stale partial refund changes nothing", async () => {
      const store = makeStore();
      const account = await newAccount(store, 7 * CREDIT);
      const p = payment();
      await store.payments.purchase(account, p.purchase(), T0);
      const partial = p.refund(2_000);
      expect(await store.payments.adjust(account, partial, T0)).toMatchObject({
        outcome: "clawed_back",
        changed_micros: -2_000 * CREDIT,
        owed_micros: 0,
      });
      const full = p.refund(5_000);
      expect(await store.payments.adjust(account, full, T0)).toMatchObject({ changed_micros: -3_000 * CREDIT });
      expect((await store.payments.adjust(account, full, T0)).status).toBe("replayed");
      // An older refund event (a smaller cumulative amount) delivered late.
      expect(await store.payments.adjust(account, p.refund(2_000), T0)).toMatchObject({
        outcome: "unchanged",
        changed_micros: 0,
      });
      expect(await balance(store, account)).toBe(7 * CREDIT);
      const [claw] = await store.ledger.entries(account, { limit: 1 }, null);
      expect(claw).toMatchObject({
        reason: "clawback",
        reference: `stripe:refund:${p.intent}`,
        amount_paid_cents: 5_000,
      });
      expect(await entries(store, account)).toEqual([
        ["clawback", -3_000 * CREDIT],
        ["clawback", -2_000 * CREDIT],
        ["purchase", 5_000 * CREDIT],
        ["admin_grant", 7 * CREDIT],
      ]);
    });

    it("a refund before its purchase is kept, and the purchase applies it in the same step", async () => {
      const store = makeStore();
      const account = await newAccount(store, 3 * CREDIT);
      const p = payment();
      expect(await store.payments.adjust(account, p.refund(5_000), T0)).toMatchObject({
        outcome: "pending",
        changed_micros: 0,
      });
      expect(await balance(store, account)).toBe(3 * CREDIT);
      expect(await store.payments.purchase(account, p.purchase(), T0)).toMatchObject({
        outcome: "granted",
        changed_micros: 0,
        balance: { balance_micros: 3 * CREDIT },
      });
      expect(await entries(store, account)).toEqual([
        ["clawback", -5_000 * CREDIT],
        ["purchase", 5_000 * CREDIT],
        ["admin_grant", 3 * CREDIT],
      ]);
    });

    it("every delivery order of grant, second grant event and refunds ends in the same balance", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const p = payment();
      const events = [
        () => store.payments.purchase(account, p.purchase("evt_completed"), T0),
        () => store.payments.purchase(account, p.purchase("evt_async"), T0),
        () => store.payments.adjust(account, p.refund(1_000, "evt_refund_1"), T0),
        () => store.payments.adjust(account, p.refund(1_500, "evt_refund_2"), T0),
      ];
      // Reversed, then every event again concurrently (replays), twice over.
      for (const run of [...events].reverse()) await run();
      await Promise.all([...events, ...events].map((run) => run()));
      expect(await balance(store, account)).toBe(3_500 * CREDIT);
    });

    it("a claw-back larger than the balance takes what is there and records the rest as owed", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const p = payment();
      await store.payments.purchase(account, p.purchase(), T0);
      await spend(store, account, 3_000 * CREDIT);
      expect(await store.payments.adjust(account, p.refund(5_000), T0)).toMatchObject({
        outcome: "clawed_back",
        changed_micros: -2_000 * CREDIT,
        owed_micros: 3_000 * CREDIT,
        balance: { balance_micros: 0 },
      });
      const [owed, claw] = await store.ledger.entries(account, { limit: 2 }, null);
      expect(claw).toMatchObject({ reason: "clawback", amount_micros: -2_000 * CREDIT });
      expect(owed).toMatchObject({ reason: "uncollected", amount_micros: 0, uncollected_micros: 3_000 * CREDIT });
      expect((await store.payments.events(account, 5)).standing).toEqual({
        owed_micros: 3_000 * CREDIT,
        disputed_at: null,
      });
    });

    it("records events that move no money, on an account or unassigned, once each", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const request = {
        event_id: id("evt"),
        event_type: "checkout.session.async_payment_failed",
        reference: "cs_1",
        note: "payment failed",
      };
      expect(await store.payments.record(account, request, T0)).toEqual({ status: "recorded" });
      expect(await store.payments.record(account, request, T0)).toEqual({ status: "replayed" });
      expect(await store.payments.record(acct(), { ...request, event_id: id("evt") }, T0)).toEqual({
        status: "account_not_found",
      });
      const stray = { ...request, event_id: id("evt"), note: "no account" };
      expect(await store.payments.record(null, stray, T0)).toEqual({ status: "recorded" });
      expect(await store.payments.record(null, stray, T0)).toEqual({ status: "replayed" });
      expect((await store.payments.events(account, 5)).events).toEqual([
        { ...request, account_id: account, outcome: "recorded", changed_micros: 0, owed_micros: 0, created_at: T0 },
      ]);
      const unassigned = await store.payments.events(null, 100);
      expect(unassigned.events).toContainEqual(expect.objectContaining({ event_id: stray.event_id, account_id: null }));
      expect(await balance(store, account)).toBe(0);
    });
  });
}
