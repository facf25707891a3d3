import type { PaymentAdjustment } from "../stores/payment-ports.ts";
import { creditsMicros, parseCredits, shareMicros } from "./credits-price.ts";
import {
  type EventContext,
  type EventOutcome,
  outcomeOf,
  parse,
  type Ref,
  recordOn,
  unassigned,
  usableAccount,
} from "./stripe-event-context.ts";
import { ChargeSchema, DisputeSchema, SessionSchema, type StripeEvent } from "./stripe-event-types.ts";
import { applySubscriptionEvent, invoicePaymentOf, SUBSCRIPTION_EVENTS } from "./stripe-subscription-events.ts";

/** The events to enable on the Stripe webhook endpoint; others are acknowledged and ignored. */
export const HANDLED_EVENTS = [
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "charge.refunded",
  "charge.dispute.created",
  "charge.dispute.closed",
  ...SUBSCRIPTION_EVENTS,
] as const;

async function onSession(event: StripeEvent, ctx: EventContext): Promise<EventOutcome> {
  const session = parse(SessionSchema, event);
  const ref = { event_id: event.id, event_type: event.type, reference: session.id };
  const account = usableAccount(session.client_reference_id ?? session.metadata.account_id);
  if (!account) return unassigned(ctx, ref, "no client_reference_id or metadata.account_id");
  if (event.type === "checkout.session.async_payment_failed") return recordOn(ctx, account, ref, "payment failed");
  if (session.mode !== "payment") return recordOn(ctx, account, ref, `mode ${session.mode}: not a credit purchase`);
  if (session.payment_status !== "paid") {
    return recordOn(ctx, account, ref, `payment_status ${session.payment_status}: credits come once it is paid`);
  }
  const credits = parseCredits(session.metadata.credits);
  if (credits === null || session.currency !== "usd" || session.amount_total == null) {
    return recordOn(ctx, account, ref, "not a credit purchase (no credits in metadata, or not in usd)");
  }
  const result = await ctx.store.payments.purchase(
    account,
    {
      event_id: event.id,
      event_type: event.type,
      session_id: session.id,
      payment_intent: session.payment_intent,
      amount_paid_cents: session.amount_total,
      amount_micros: creditsMicros(credits),
    },
    ctx.now,
  );
  return outcomeOf(ctx, ref, account, result);
}

/** A credit purchase (its credits), or a subscription invoice's payment (its invoice; the store knows its allowance). */
type Purchase = { account: string | null; credits: number | null; paid_cents: number; invoice_id?: string };

/**
 * Whose purchase a charge or dispute is, and of how many credits: from the object's metadata (a
 * charge carries its payment intent's), else from the payment intent itself (disputes carry none),
 * else the subscription invoice the payment intent paid.
 */
async function purchaseOf(
  ctx: EventContext,
  intent: string,
  metadata: Record<string, string>,
  paidCents: number | null,
): Promise<Purchase> {
  const account = usableAccount(metadata.account_id);
  const credits = parseCredits(metadata.credits);
  if (account && credits !== null && paidCents !== null) return { account, credits, paid_cents: paidCents };
  const facts = await ctx.stripe.paymentIntent(intent);
  if (!facts) return { account: null, credits: null, paid_cents: paidCents ?? 0 };
  const purchase = {
    account: usableAccount(facts.metadata.account_id),
    credits: parseCredits(facts.metadata.credits),
    paid_cents: facts.amount_cents,
  };
  if (purchase.account && purchase.credits !== null) return purchase;
  const invoice = await invoicePaymentOf(ctx, intent);
  return invoice ? { ...invoice, credits: null } : purchase;
}

async function adjust(ctx: EventContext, ref: Ref, purchase: Purchase, adjustment: PaymentAdjustment) {
  if (!purchase.account || (purchase.credits === null && purchase.invoice_id === undefined)) {
    return unassigned(
      ctx,
      ref,
      purchase.invoice_id ? "no account for the subscription invoice" : "not a credit purchase",
    );
  }
  const linked = purchase.invoice_id === undefined ? adjustment : { ...adjustment, invoice_id: purchase.invoice_id };
  return outcomeOf(ctx, ref, purchase.account, await ctx.store.payments.adjust(purchase.account, linked, ctx.now));
}

async function onRefund(event: StripeEvent, ctx: EventContext): Promise<EventOutcome> {
  const charge = parse(ChargeSchema, event);
  const ref = { event_id: event.id, event_type: event.type, reference: charge.payment_intent ?? charge.id };
  if (!charge.payment_intent) return unassigned(ctx, ref, "a charge without a payment intent");
  const purchase = await purchaseOf(ctx, charge.payment_intent, charge.metadata, charge.amount);
  return adjust(ctx, ref, purchase, {
    event_id: event.id,
    event_type: event.type,
    payment_intent: charge.payment_intent,
    amount_paid_cents: purchase.paid_cents,
    kind: "refund",
    refunded_cents: charge.amount_refunded,
    target_micros: shareMicros(creditsMicros(purchase.credits ?? 0), charge.amount_refunded, purchase.paid_cents),
  });
}

/** Closed in the customer's favour: `lost`. Closed for us: `won`, or an inquiry closed without a chargeback. */
const RETURNED = new Set(["won", "warning_closed"]);

async function onDispute(event: StripeEvent, ctx: EventContext): Promise<EventOutcome> {
  const dispute = parse(DisputeSchema, event);
  const ref = { event_id: event.id, event_type: event.type, reference: dispute.id };
  if (!dispute.payment_intent) return unassigned(ctx, ref, "a dispute without a payment intent");
  const purchase = await purchaseOf(ctx, dispute.payment_intent, dispute.metadata, null);
  const base = {
    event_id: event.id,
    event_type: event.type,
    payment_intent: dispute.payment_intent,
    amount_paid_cents: purchase.paid_cents,
    dispute_id: dispute.id,
  };
  const closed = event.type === "charge.dispute.closed";
  if (closed && RETURNED.has(dispute.status)) return adjust(ctx, ref, purchase, { ...base, kind: "dispute_won" });
  if (closed && dispute.status !== "lost") {
    return purchase.account ? recordOn(ctx, purchase.account, ref, `closed ${dispute.status}`) : "ignored";
  }
  return adjust(ctx, ref, purchase, {
    ...base,
    kind: "dispute",
    disputed_cents: dispute.amount,
    target_micros: shareMicros(creditsMicros(purchase.credits ?? 0), dispute.amount, purchase.paid_cents),
  });
}

/** Applies one verified event to the store, once, whatever order events arrive in. */
export async function applyStripeEvent(event: StripeEvent, ctx: EventContext): Promise<EventOutcome> {
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
    case "checkout.session.async_payment_failed":
      return onSession(event, ctx);
    case "charge.refunded":
      return onRefund(event, ctx);
    case "charge.dispute.created":
    case "charge.dispute.closed":
      return onDispute(event, ctx);
    default:
      return applySubscriptionEvent(event, ctx) ?? "ignored";
  }
}
