import { env } from "cloudflare:test";
import Stripe from "stripe";
import { expect } from "vitest";
import { admin, gw } from "./gateway.ts";
import type { purchase, StripeEventBody, subscription } from "./stripe-events.ts";

export { event, purchase, type StripeEventBody, stripeId, subscription } from "./stripe-events.ts";

/** Webhook events as Stripe sends them, signed by the real `stripe` library, and the fake Stripe API. */

export const WEBHOOK_SECRET = env.STRIPE_WEBHOOK_SECRET as string;
const cryptoProvider = Stripe.createSubtleCryptoProvider();

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

/** Tells the fake Stripe API about a purchase's payment intent, as Stripe knows it. */
export function registerIntent(p: ReturnType<typeof purchase>): Promise<Response> {
  return stripeApi("/__fake/payment_intents", { method: "POST", body: JSON.stringify(p.intentObject()) });
}

/** Tells the fake Stripe API about a subscription invoice and the payment intent that paid it. */
export async function registerInvoice(p: ReturnType<ReturnType<typeof subscription>["paidInvoice"]>): Promise<void> {
  const intent = await stripeApi("/__fake/payment_intents", { method: "POST", body: JSON.stringify(p.intentObject()) });
  expect(intent.status).toBe(200);
  const body = JSON.stringify({ invoice: p.invoice, payment_intent: p.intent });
  expect((await stripeApi("/__fake/invoices", { method: "POST", body })).status).toBe(200);
}

/** Makes the fake Stripe API answer `status` to requests holding `marker` (0 lifts it; "stall" never answers). */
export async function stripeFails(marker: string, status: number | "stall"): Promise<void> {
  const res = await stripeApi("/__fake/fail", { method: "POST", body: JSON.stringify({ marker, status }) });
  expect(res.status).toBe(200);
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
