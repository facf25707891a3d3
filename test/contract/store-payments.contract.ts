import { describe, expect, it } from "vitest";
import type { PaymentAdjustment, PurchaseRequest } from "../../src/stores/payment-ports.ts";
import type { Store } from "../../src/stores/ports.ts";
import { acct, charge, fund, hold, T0 } from "./contract-helpers.ts";

const CREDIT = 1_000_000;
const id = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;

/** A paid checkout session for `credits` (1 credit = 1 cent), and the events that report it. */
function payment(credits = 5_000) {
  const intent = id("pi");
  const session = id("cs");
  const paid = credits;
  const purchase = (eventId = id("evt")): PurchaseRequest => ({
    event_id: eventId,
    event_type: "checkout.session.completed",
    session_id: session,
    payment_intent: intent,
    amount_paid_cents: paid,
    amount_micros: credits * CREDIT,
  });
  const base = { payment_intent: intent, amount_paid_cents: paid };
  const refund = (refundedCents: number, eventId = id("evt")): PaymentAdjustment => ({
    ...base,
    event_id: eventId,
    event_type: "charge.refunded",
    kind: "refund",
    refunded_cents: refundedCents,
    target_micros: refundedCents * CREDIT,
  });
  const dispute = (disputeId: string, cents = paid, eventId = id("evt")): PaymentAdjustment => ({
    ...base,
    event_id: eventId,
    event_type: "charge.dispute.created",
    kind: "dispute",
    dispute_id: disputeId,
    disputed_cents: cents,
    target_micros: cents * CREDIT,
  });
  const won = (disputeId: string, eventId = id("evt")): PaymentAdjustment => ({
    ...base,
    event_id: eventId,
    event_type: "charge.dispute.closed",
    kind: "dispute_won",
    dispute_id: disputeId,
  });
  return { intent, session, purchase, refund, dispute, won };
}

/** Purchases, refunds, disputes and recorded events. Part of storeContract. */
export function paymentsContract(makeStore: () => Store) {
  const newAccount = async (store: Store, micros = 0) => {
    const account = acct();
    await store.accounts.create({ id: account, source: "key", plan: null }, T0);
    if (micros > 0) await fund(store, account, micros);
    return account;
  };
  const balance = async (store: Store, account: string) =>
    (await store.ledger.balance(account, T0, null)).balance_micros;
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
      const spent = hold();
      await store.ledger.reserve(account, spent, 3_000 * CREDIT, 60_000, T0, null);
      await store.ledger.settle(account, spent, charge(3_000 * CREDIT), T0);
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

    it("what is owed is collected from the next purchase, and a dispute won later gives back exactly what was taken", async () => {
      const store = makeStore();
      const account = await newAccount(store);
      const [first, second] = [payment(), payment(1_000)];
      await store.payments.purchase(account, first.purchase(), T0);
      const spent = hold();
      await store.ledger.reserve(account, spent, 4_000 * CREDIT, 60_000, T0, null);
      await store.ledger.settle(account, spent, charge(4_000 * CREDIT), T0);
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
      const spent = hold();
      await store.ledger.reserve(account, spent, 4_000 * CREDIT, 60_000, T0, null);
      await store.ledger.settle(account, spent, charge(4_000 * CREDIT), T0);
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
