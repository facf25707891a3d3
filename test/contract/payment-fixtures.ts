import type { PaymentAdjustment, PlanAllowanceRequest, PurchaseRequest } from "../../src/stores/payment-ports.ts";
import type { Store } from "../../src/stores/ports.ts";
import { acct, charge, fund, hold, T0 } from "./contract-helpers.ts";

/** Payments for the store contract's payment files: 1 credit is paid 1 cent. */
export const CREDIT = 1_000_000;
export const id = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;

/** A paid checkout session for `credits` (1 credit = 1 cent), and the events that report it. */
export function payment(credits = 5_000) {
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

/** Helpers every payment test uses, bound to a store. */
export function paymentHelpers() {
  const newAccount = async (store: Store, micros = 0) => {
    const account = acct();
    await store.accounts.create({ id: account, source: "key", plan: null }, T0);
    if (micros > 0) await fund(store, account, micros);
    return account;
  };
  const balance = async (store: Store, account: string) =>
    (await store.ledger.balance(account, T0, null)).balance_micros;
  /** Spends `micros` of the balance, as a settled call would. */
  const spend = async (store: Store, account: string, micros: number) => {
    const id = hold();
    await store.ledger.reserve(account, id, micros, 60_000, T0, null);
    await store.ledger.settle(account, id, charge(micros), T0);
  };
  return { newAccount, balance, spend };
}

/**
 * A subscription invoice paid `cents` granting `credits` (0: a trial or proration invoice), and the
 * refund and dispute events of the payment intent that paid it: they name the invoice and carry no
 * target (the store takes the share of the allowance it granted).
 */
export function invoicePayment(credits = 2_000, cents = 2_900) {
  const invoiceId = id("in");
  const intent = id("pi");
  const paid = (eventId = id("evt")): PlanAllowanceRequest => ({
    event_id: eventId,
    event_type: "invoice.paid",
    invoice_id: invoiceId,
    plan_id: "pro",
    amount_micros: credits * CREDIT,
    amount_paid_cents: cents,
    changed_at: T0,
  });
  const base = { payment_intent: intent, amount_paid_cents: cents, invoice_id: invoiceId };
  const refund = (refundedCents: number, eventId = id("evt")): PaymentAdjustment => ({
    ...base,
    event_id: eventId,
    event_type: "charge.refunded",
    kind: "refund",
    refunded_cents: refundedCents,
    target_micros: 0,
  });
  const dispute = (disputeId: string, disputed = cents, eventId = id("evt")): PaymentAdjustment => ({
    ...base,
    event_id: eventId,
    event_type: "charge.dispute.created",
    kind: "dispute",
    dispute_id: disputeId,
    disputed_cents: disputed,
    target_micros: 0,
  });
  const won = (disputeId: string, eventId = id("evt")): PaymentAdjustment => ({
    ...base,
    event_id: eventId,
    event_type: "charge.dispute.closed",
    kind: "dispute_won",
    dispute_id: disputeId,
  });
  return { invoiceId, intent, paid, refund, dispute, won };
}
