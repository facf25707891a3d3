import { env } from "cloudflare:test";
import Stripe from "stripe";
import { expect } from "vitest";
import { admin, gw } from "./gateway.ts";

/** Webhook events as Stripe sends them, signed by the real `stripe` library, and the fake Stripe API. */

export const WEBHOOK_SECRET = env.STRIPE_WEBHOOK_SECRET as string;
const cryptoProvider = Stripe.createSubtleCryptoProvider();

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

/** The Stripe-Signature header for a body, as Stripe computes it. */
export function signature(payload: string, options: { secret?: string; timestamp?: number } = {}): Promise<string> {
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    cryptoProvider,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
}

export type Deliver = (path: string, init: RequestInit) => Response | Promise<Response>;

/** Posts an event to /webhooks/stripe, signed unless a signature header is given. */
export async function deliver(
  body: StripeEventBody,
  options: { signature?: string | null; secret?: string; timestamp?: number; via?: Deliver } = {},
): Promise<Response> {
  const payload = JSON.stringify(body, null, 2);
  const header = options.signature === undefined ? await signature(payload, options) : options.signature;
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (header !== null) headers["stripe-signature"] = header;
  return (options.via ?? gw)("/webhooks/stripe", { method: "POST", headers, body: payload });
}

/** Delivers and expects a 200, answering the outcome. */
export async function delivered(body: StripeEventBody, via?: Deliver): Promise<string> {
  const res = await deliver(body, via ? { via } : {});
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const receipt = JSON.parse(text) as { received: boolean; event_id: string; outcome: string };
  expect(receipt).toMatchObject({ received: true, event_id: body.id });
  return receipt.outcome;
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
    /** Tells the fake Stripe API about the payment intent, as Stripe knows it. */
    registerIntent: () =>
      stripeApi("/__fake/payment_intents", {
        method: "POST",
        body: JSON.stringify({ id: intent, amount: credits, amount_received: credits, currency: "usd", metadata }),
      }),
  };
}

export function stripeApi(path: string, init?: RequestInit): Promise<Response> {
  return fetch(`${env.STRIPE_BASE_URL}${path}`, init);
}

export interface StripeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  rawBody: string;
  form: Record<string, unknown>;
}

/** What the fake Stripe API was sent, for requests whose raw body (or path) holds `marker`. */
export async function stripeRequests(marker: string): Promise<StripeRequest[]> {
  const res = await stripeApi(`/__fake/requests?marker=${encodeURIComponent(marker)}`);
  return (await res.json()) as StripeRequest[];
}

export type PaymentEvents = {
  data: { event_id: string; outcome: string; account_id: string | null; note: string | null; changed_micros: number }[];
  owed_micros: number;
  disputed_at: string | null;
};

/** The admin's view of an account's payment events (or, for null, the unassigned ones). */
export async function paymentEvents(account: string | null): Promise<PaymentEvents> {
  const query = account === null ? "unassigned=1&limit=200" : `account_id=${encodeURIComponent(account)}`;
  const res = await gw(`/admin/billing/events?${query}`, { headers: admin() });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as PaymentEvents;
}
