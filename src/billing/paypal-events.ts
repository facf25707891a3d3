import type { z } from "zod";
import { ApiError } from "../lib/errors.ts";
import type { PaymentResult } from "../stores/payment-ports.ts";
import type { Store } from "../stores/ports.ts";
import { creditsMicros, shareMicros } from "./credits-price.ts";
import {
  CaptureSchema,
  type PayPalCapture,
  type PayPalRefund,
  type PayPalWebhookEvent,
  RefundSchema,
} from "./paypal.api-types.ts";
import type { PayPalBilling } from "./paypal.ts";
import { usdCents } from "./paypal-amount.ts";
import { captureIdOf, grantCapture, type OrderFacts, orderFacts, orderIdOf, paymentIdOf } from "./paypal-orders.ts";

/** The event types to subscribe the PayPal webhook to; others are acknowledged and ignored. */
export const PAYPAL_HANDLED_EVENTS = [
  "PAYMENT.CAPTURE.COMPLETED",
  "PAYMENT.CAPTURE.REFUNDED",
  "PAYMENT.CAPTURE.REVERSED",
] as const;

export interface PayPalEventContext {
  store: Store;
  paypal: PayPalBilling;
  now: number;
}

type Ref = { event_id: string; event_type: string; reference: string | null };

async function unassigned(ctx: PayPalEventContext, ref: Ref, note: string): Promise<string> {
  await ctx.store.payments.record(null, { ...ref, note }, ctx.now);
  return "unassigned";
}

async function recordOn(ctx: PayPalEventContext, account: string, ref: Ref, note: string): Promise<string> {
  const { status } = await ctx.store.payments.record(account, { ...ref, note }, ctx.now);
  return status === "account_not_found" ? unassigned(ctx, ref, `${note}; unknown account ${account}`) : "recorded";
}

async function outcomeOf(ctx: PayPalEventContext, ref: Ref, account: string, result: PaymentResult) {
  if (result.status === "account_not_found") return unassigned(ctx, ref, `unknown account ${account}`);
  return result.outcome;
}

function parse<T extends z.ZodType>(schema: T, event: PayPalWebhookEvent): z.infer<T> {
  const parsed = schema.safeParse(event.resource);
  if (!parsed.success)
    throw new ApiError("INVALID_REQUEST", `The ${event.event_type} event's resource is not as expected.`);
  return parsed.data;
}

/** The gateway's order behind a capture, as PayPal knows it (never as the event says it). */
async function factsOf(ctx: PayPalEventContext, capture: PayPalCapture): Promise<OrderFacts | null> {
  const orderId = orderIdOf(capture);
  const order = orderId ? await ctx.paypal.getOrder(orderId) : null;
  return order ? orderFacts(order) : null;
}

async function onCompleted(event: PayPalWebhookEvent, ctx: PayPalEventContext): Promise<string> {
  const capture = parse(CaptureSchema, event);
  const ref = { event_id: event.id, event_type: event.event_type, reference: capture.id };
  const facts = await factsOf(ctx, capture);
  if (!facts) return unassigned(ctx, ref, "not a credit order of this gateway");
  const account = facts.account_id;
  if (!account) return unassigned(ctx, ref, "the order names no account (custom_id)");
  if (capture.status !== "COMPLETED") return recordOn(ctx, account, ref, `capture ${capture.status}`);
  const granting = grantCapture(ctx.store, account, facts, capture, ref, ctx.now);
  if (!granting) return recordOn(ctx, account, ref, "the captured amount is not the order's: nothing granted");
  return outcomeOf(ctx, ref, account, await granting);
}

/**
 * What has been refunded of the capture so far, this refund included: PayPal's running total
 * (`total_refunded_amount`, on the event's refund or on the refund fetched again), else the whole
 * capture when PayPal says it is refunded, else this refund alone (stores keep the largest seen).
 */
async function refundedSoFar(ctx: PayPalEventContext, refund: PayPalRefund, capture: PayPalCapture, paid: number) {
  const total = (r: PayPalRefund | null) => usdCents(r?.seller_payable_breakdown?.total_refunded_amount);
  const cents = total(refund) ?? total(await ctx.paypal.getRefund(refund.id));
  if (cents !== null) return cents;
  if (capture.status === "REFUNDED") return paid;
  return usdCents(refund.amount) ?? paid;
}

async function onRefunded(event: PayPalWebhookEvent, ctx: PayPalEventContext): Promise<string> {
  const refund = parse(RefundSchema, event);
  const captureId = captureIdOf(refund.links);
  const ref = { event_id: event.id, event_type: event.event_type, reference: captureId ?? refund.id };
  if (!captureId) return unassigned(ctx, ref, "a refund without its capture");
  const capture = await ctx.paypal.getCapture(captureId);
  const facts = capture ? await factsOf(ctx, capture) : null;
  const paid = usdCents(capture?.amount);
  if (!capture || !facts || paid === null) return unassigned(ctx, ref, "not a credit order of this gateway");
  const account = facts.account_id;
  if (!account) return unassigned(ctx, ref, "the order names no account (custom_id)");
  if (refund.status === "FAILED" || refund.status === "CANCELLED") {
    return recordOn(ctx, account, ref, `refund ${refund.status}`);
  }
  const refunded = Math.min(await refundedSoFar(ctx, refund, capture, paid), paid);
  const result = await ctx.store.payments.adjust(
    account,
    {
      event_id: event.id,
      event_type: event.event_type,
      payment_intent: paymentIdOf(captureId),
      amount_paid_cents: paid,
      kind: "refund",
      refunded_cents: refunded,
      target_micros: shareMicros(creditsMicros(facts.credits), refunded, paid),
    },
    ctx.now,
  );
  return outcomeOf(ctx, ref, account, result);
}

/** Applies one verified PayPal event to the store, once, whatever order events arrive in. */
export async function applyPayPalEvent(event: PayPalWebhookEvent, ctx: PayPalEventContext): Promise<string> {
  switch (event.event_type) {
    case "PAYMENT.CAPTURE.COMPLETED":
      return onCompleted(event, ctx);
    case "PAYMENT.CAPTURE.REFUNDED":
    case "PAYMENT.CAPTURE.REVERSED":
      return onRefunded(event, ctx);
    default:
      return "ignored";
  }
}
