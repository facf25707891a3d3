import { isRapidApiAccount } from "../lib/api-keys.ts";
import type { PaymentResult, PurchaseRequest } from "../stores/payment-ports.ts";
import type { Store } from "../stores/ports.ts";
import { creditsMicros, parseCredits } from "./credits-price.ts";
import type { PayPalCapture, PayPalOrder } from "./paypal.api-types.ts";
import { creditsOfReference, usdCents } from "./paypal-amount.ts";

/** What the gateway put in an order it created: whose it is, how many credits, for how many cents. */
export interface OrderFacts {
  order_id: string;
  /** The purchase unit's custom_id, when it names an account a key holder can have. */
  account_id: string | null;
  credits: number;
  amount_cents: number;
}

const ACCOUNT_ID = /^[\x21-\x7e]{1,128}$/;
export const usableAccount = (id: string | null | undefined): string | null =>
  id && ACCOUNT_ID.test(id) && !isRapidApiAccount(id) ? id : null;

/** The facts of one of the gateway's credit orders; null for an order it did not create (no credits reference, not USD). */
export function orderFacts(order: PayPalOrder): OrderFacts | null {
  const unit = order.purchase_units[0];
  if (!unit || order.purchase_units.length !== 1) return null;
  const credits = parseCredits(creditsOfReference(unit.reference_id));
  const cents = usdCents(unit.amount);
  if (credits === null || cents === null) return null;
  return { order_id: order.id, account_id: usableAccount(unit.custom_id), credits, amount_cents: cents };
}

/** The order a capture belongs to: PayPal names it in supplementary_data, and in the capture's `up` link. */
export function orderIdOf(capture: PayPalCapture): string | null {
  const related = capture.supplementary_data?.related_ids?.order_id;
  if (related) return related;
  const up = capture.links.find((link) => link.rel === "up")?.href ?? "";
  return /\/v2\/checkout\/orders\/([^/?#]+)/.exec(up)?.[1] ?? null;
}

/** The capture a refund belongs to, from the refund's `up` link. */
export function captureIdOf(links: { rel: string; href: string }[]): string | null {
  const up = links.find((link) => link.rel === "up")?.href ?? "";
  return /\/v2\/payments\/captures\/([^/?#]+)/.exec(up)?.[1] ?? null;
}

/** The payment id the stores key a PayPal capture by (its session and its payment intent). */
export const paymentIdOf = (captureId: string) => `paypal:${captureId}`;
/** The event id a capture granted by the capture route is recorded under; the webhook for it is then `unchanged`. */
export const captureEventId = (captureId: string) => `paypal-capture:${captureId}`;

/**
 * Grants a completed capture of one of the gateway's orders, once per capture whoever reports it
 * (the capture route or the webhook). The credits are the order's; the capture must have paid its amount.
 */
export function grantCapture(
  store: Store,
  account: string,
  facts: OrderFacts,
  capture: PayPalCapture,
  event: { event_id: string; event_type: string },
  now: number,
): Promise<PaymentResult> | null {
  const paid = usdCents(capture.amount);
  if (paid === null || paid !== facts.amount_cents) return null;
  const request: PurchaseRequest = {
    ...event,
    session_id: paymentIdOf(capture.id),
    payment_intent: paymentIdOf(capture.id),
    amount_paid_cents: paid,
    amount_micros: creditsMicros(facts.credits),
  };
  return store.payments.purchase(account, request, now);
}
