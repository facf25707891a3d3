/**
 * Stripe webhook events as Stripe sends them (API version 2026-10-28.endive), for the workerd route
 * tests (test/helpers/stripe.ts) and the Node tests alike.
 */

export const stripeId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;

export interface StripeEventBody {
  id: string;
  object: "event";
  type: string;
  api_version: string;
  created: number;
  livemode: false;
  data: { object: Record<string, unknown> };
}

export function event(type: string, object: Record<string, unknown>, id = stripeId("evt")): StripeEventBody {
  return {
    id,
    object: "event",
    type,
    api_version: "2026-10-28.endive",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object },
  };
}

/** A paid Checkout purchase of `credits` (1 credit = 1 cent at the default price), and its events. */
export function purchase(account: string, credits = 5_000) {
  const session = stripeId("cs_test");
  const intent = stripeId("pi_test");
  const metadata = { account_id: account, credits: String(credits) };
  const sessionObject = (extra: Record<string, unknown> = {}) => ({
    id: session,
    object: "checkout.session",
    mode: "payment",
    payment_status: "paid",
    status: "complete",
    client_reference_id: account,
    metadata,
    payment_intent: intent,
    amount_total: credits,
    currency: "usd",
    ...extra,
  });
  return {
    session,
    intent,
    completed: (extra: Record<string, unknown> = {}, id?: string) =>
      event("checkout.session.completed", sessionObject(extra), id),
    asyncSucceeded: () => event("checkout.session.async_payment_succeeded", sessionObject()),
    asyncFailed: () => event("checkout.session.async_payment_failed", sessionObject({ payment_status: "unpaid" })),
    /** `refunded` is the charge's cumulative amount_refunded, in cents. */
    refunded: (refunded: number, id?: string) =>
      event(
        "charge.refunded",
        {
          id: stripeId("ch"),
          object: "charge",
          amount: credits,
          amount_refunded: refunded,
          refunded: refunded === credits,
          currency: "usd",
          payment_intent: intent,
          metadata,
        },
        id,
      ),
    /** Disputes carry no metadata: the gateway asks Stripe for the payment intent (see registerIntent). */
    dispute: (type: "charge.dispute.created" | "charge.dispute.closed", dispute: string, status: string) =>
      event(type, {
        id: dispute,
        object: "dispute",
        amount: credits,
        currency: "usd",
        status,
        charge: stripeId("ch"),
        payment_intent: intent,
        metadata: {},
      }),
    /** The payment intent as Stripe knows it (for the fake Stripe API's /__fake/payment_intents). */
    intentObject: () => ({ id: intent, amount: credits, amount_received: credits, currency: "usd", metadata }),
  };
}
