import type { z } from "zod";
import { MICROS_PER_CREDIT } from "../lib/money.ts";
import type { Plan } from "./plans.ts";
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
import { type InvoiceLine, InvoiceSchema, type StripeEvent, SubscriptionSchema } from "./stripe-event-types.ts";

/** Subscription events: the allowance of each paid invoice, plan changes, the end of a subscription. */
export const SUBSCRIPTION_EVENTS = [
  "invoice.paid",
  "invoice.payment_failed",
  "customer.subscription.updated",
  "customer.subscription.deleted",
] as const;

/** Statuses whose subscription still serves its plan; `incomplete` waits for its first invoice.paid. */
const SERVING = new Set(["active", "trialing", "past_due"]);
const ENDED = new Set(["canceled", "unpaid", "incomplete_expired", "paused"]);

/** Plan changes apply in the order Stripe made them (the event's `created`), not the order delivered. */
const changedAt = (event: StripeEvent, ctx: EventContext) =>
  event.created === undefined ? ctx.now : event.created * 1000;

/**
 * Whose subscription it is: the account id the checkout put in the subscription's metadata, else
 * the one the Stripe customer was created for (a subscription made in the Stripe dashboard).
 */
async function accountOf(
  ctx: EventContext,
  metadata: Record<string, string>,
  customer: string | null,
): Promise<string | null> {
  const named = usableAccount(metadata.account_id);
  if (named) return named;
  return customer ? usableAccount(await ctx.stripe.customerAccount(customer)) : null;
}

type Invoice = z.infer<typeof InvoiceSchema>;

/** Whose invoice it is: the subscription's metadata copied onto it, else its customer's. */
const invoiceAccount = (ctx: EventContext, invoice: Invoice) =>
  accountOf(
    ctx,
    invoice.parent?.subscription_details?.metadata ?? invoice.subscription_details?.metadata ?? {},
    invoice.customer,
  );

/**
 * The subscription invoice a payment intent paid, for a refund or dispute of that payment: whose it
 * is, the invoice (the store knows the allowance it granted) and what the payment paid. Null when the
 * payment paid no invoice.
 */
export async function invoicePaymentOf(
  ctx: EventContext,
  paymentIntent: string,
): Promise<{ account: string | null; invoice_id: string; paid_cents: number } | null> {
  const found = await ctx.stripe.invoicePayment(paymentIntent);
  const invoice = found && InvoiceSchema.safeParse(found.invoice);
  if (!found || !invoice?.success) return null;
  const account = await invoiceAccount(ctx, invoice.data);
  return { account, invoice_id: invoice.data.id, paid_cents: found.amount_paid_cents };
}

const priceOf = (line: InvoiceLine) => line.pricing?.price_details?.price ?? line.price;
const proration = (line: InvoiceLine) => Boolean(line.parent?.subscription_item_details?.proration ?? line.proration);

/**
 * The plan an invoice pays for, from its lines with a plan's price: a period's line first, then a
 * proration charge (an upgrade's "remaining time on" the new plan), never a proration credit (the
 * "unused time on" the old plan) unless nothing else names a plan.
 */
function invoicePlan(ctx: EventContext, lines: InvoiceLine[]): Plan | undefined {
  const rank = (line: InvoiceLine) => (!proration(line) ? 0 : (line.amount ?? 0) > 0 ? 1 : 2);
  let best: { plan: Plan; rank: number } | undefined;
  for (const line of lines) {
    const price = priceOf(line);
    const plan = price ? ctx.plans.forStripePrice(price) : undefined;
    if (plan && (best === undefined || rank(line) < best.rank)) best = { plan, rank: rank(line) };
  }
  return best?.plan;
}

async function onInvoicePaid(event: StripeEvent, ctx: EventContext): Promise<EventOutcome> {
  const invoice = parse(InvoiceSchema, event);
  const ref: Ref = { event_id: event.id, event_type: event.type, reference: invoice.id };
  const account = await invoiceAccount(ctx, invoice);
  if (!account) return unassigned(ctx, ref, "no account in the subscription's metadata or the customer's");
  const plan = invoicePlan(ctx, invoice.lines?.data ?? []);
  if (!plan) return recordOn(ctx, account, ref, "no line with a price of a plan in PLANS");
  const paid = invoice.amount_paid ?? 0;
  // The allowance comes with each paid period: not with a free (trial) invoice, nor with the
  // proration invoice of a plan change, so switching plans back and forth grants nothing.
  const grants = paid > 0 && invoice.billing_reason !== "subscription_update";
  const result = await ctx.store.payments.planAllowance(
    account,
    {
      event_id: event.id,
      event_type: event.type,
      invoice_id: invoice.id,
      plan_id: plan.id,
      amount_micros: grants ? plan.monthly_allowance_credits * MICROS_PER_CREDIT : 0,
      amount_paid_cents: paid,
      changed_at: changedAt(event, ctx),
    },
    ctx.now,
  );
  return outcomeOf(ctx, ref, account, result);
}

async function onInvoiceFailed(event: StripeEvent, ctx: EventContext): Promise<EventOutcome> {
  const invoice = parse(InvoiceSchema, event);
  const ref: Ref = { event_id: event.id, event_type: event.type, reference: invoice.id };
  const account = await invoiceAccount(ctx, invoice);
  const note = `payment failed (attempt ${invoice.attempt_count ?? 1}); Stripe retries and reports the subscription's status`;
  return account ? recordOn(ctx, account, ref, note) : unassigned(ctx, ref, note);
}

async function onSubscription(event: StripeEvent, ctx: EventContext): Promise<EventOutcome> {
  const subscription = parse(SubscriptionSchema, event);
  const ref: Ref = { event_id: event.id, event_type: event.type, reference: subscription.id };
  const account = await accountOf(ctx, subscription.metadata, subscription.customer);
  if (!account) return unassigned(ctx, ref, "no account in the subscription's metadata or the customer's");
  let plan: string | null = null;
  let note = `status ${subscription.status}: the default plan`;
  if (event.type === "customer.subscription.deleted") {
    note = "subscription ended: the default plan";
  } else if (SERVING.has(subscription.status)) {
    const prices = (subscription.items?.data ?? []).flatMap((item) => (item.price ? [item.price] : []));
    const found = prices.map((price) => ctx.plans.forStripePrice(price)).find((p) => p !== undefined);
    if (!found) return recordOn(ctx, account, ref, `no item with a price of a plan in PLANS (${prices.join(", ")})`);
    plan = found.id;
    note = `status ${subscription.status}: plan ${found.id}`;
  } else if (!ENDED.has(subscription.status)) {
    return recordOn(ctx, account, ref, `status ${subscription.status}: the plan changes once an invoice is paid`);
  }
  const result = await ctx.store.payments.setPlan(
    account,
    {
      event_id: event.id,
      event_type: event.type,
      reference: subscription.id,
      plan_id: plan,
      changed_at: changedAt(event, ctx),
      note,
    },
    ctx.now,
  );
  return outcomeOf(ctx, ref, account, result);
}

/** Applies a subscription event; undefined for an event of another kind. */
export function applySubscriptionEvent(event: StripeEvent, ctx: EventContext): Promise<EventOutcome> | undefined {
  switch (event.type) {
    case "invoice.paid":
      return onInvoicePaid(event, ctx);
    case "invoice.payment_failed":
      return onInvoiceFailed(event, ctx);
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
      return onSubscription(event, ctx);
    default:
      return undefined;
  }
}
