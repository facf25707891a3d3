import { env } from "cloudflare:test";
import { expect } from "vitest";
import { bearer, gw, json } from "./gateway.ts";
import { type PayPalEventBody, paypalControl, postPayPal } from "./paypal-events.ts";

export { type PayPalEventBody, paypalEvent } from "./paypal-events.ts";

/** The fake PayPal behind PAYPAL_BASE_URL, and its test controls. */
export const paypal = paypalControl(env.PAYPAL_BASE_URL as string);

export type Via = (path: string, init: RequestInit) => Response | Promise<Response>;

export const createOrder = (key: string, body: unknown, headers: Record<string, string> = {}, via: Via = gw) =>
  via("/v1/billing/paypal/orders", json(body, { ...bearer(key), ...headers }));

export const captureOrder = (key: string, orderId: string, via: Via = gw) =>
  via(`/v1/billing/paypal/orders/${orderId}/capture`, { method: "POST", headers: bearer(key) });

/** A new order for the credits, answered 200. */
export async function newOrder(key: string, credits: number): Promise<{ id: string; approve_url: string }> {
  const res = await createOrder(key, { credits });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { id: string; approve_url: string };
}

/** An order the buyer approved (its capture PENDING if asked). */
export async function approvedOrder(key: string, credits: number, capture?: "PENDING"): Promise<string> {
  const { id } = await newOrder(key, credits);
  await paypal.approve(id, capture);
  return id;
}

export type CaptureAnswer = { id: string; capture_id: string; status: string; credits: number };

/** Captures through the gateway, answered 200. */
export async function captured(key: string, orderId: string): Promise<CaptureAnswer> {
  const res = await captureOrder(key, orderId);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as CaptureAnswer;
}

/** Delivers an event to /webhooks/paypal with the headers the fake PayPal signed it with. */
export async function deliverPayPal(event: PayPalEventBody, via: Via = gw): Promise<Response> {
  return postPayPal(async (path, init) => via(path, init), await paypal.sign(event));
}

/** Delivers and expects a 200, answering the outcome. */
export async function deliveredPayPal(event: PayPalEventBody, via: Via = gw): Promise<string> {
  const res = await deliverPayPal(event, via);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const receipt = JSON.parse(text) as { received: boolean; event_id: string; outcome: string };
  expect(receipt).toMatchObject({ received: true, event_id: event.id });
  return receipt.outcome;
}

/** PayPal's API called directly with the gateway's credentials, as a checkout page's own script would. */
async function direct(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const base = env.PAYPAL_BASE_URL as string;
  const basic = btoa(`${env.PAYPAL_CLIENT_ID}:${env.PAYPAL_CLIENT_SECRET}`);
  const token = await fetch(`${base}/v1/oauth2/token`, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials",
  });
  const { access_token } = (await token.json()) as { access_token: string };
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${access_token}`,
      "content-type": "application/json",
      prefer: "return=representation",
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

/** Captures an approved order at PayPal without the gateway (the buyer's page did it): its capture id. */
export async function captureAtPayPal(orderId: string): Promise<string> {
  const order = (await direct("POST", `/v2/checkout/orders/${orderId}/capture`)) as {
    purchase_units: { payments: { captures: { id: string }[] } }[];
  };
  const id = order.purchase_units[0]?.payments.captures[0]?.id;
  expect(id).toBeTypeOf("string");
  return id as string;
}

/** An order made at PayPal without the gateway, e.g. for an account this gateway does not have. */
export async function orderAtPayPal(accountId: string, credits: number, value: string): Promise<string> {
  const order = await direct("POST", "/v2/checkout/orders", {
    intent: "CAPTURE",
    purchase_units: [
      { reference_id: `credits:${credits}`, custom_id: accountId, amount: { currency_code: "USD", value } },
    ],
  });
  return order.id as string;
}
