import Stripe from "stripe";
import type { Config } from "../env.ts";
import { ApiError } from "../lib/errors.ts";
import { stripeFailure } from "./stripe-errors.ts";
import { type StripeSubscriptions, stripeSubscriptions } from "./stripe-subscriptions.ts";

/**
 * The Stripe API version this code reads and writes. Pinned, so upgrading the Stripe account (or the
 * library) changes no answer shape under us; test/unit/stripe-billing.test.ts fails when the library's
 * own version moves, as a reminder to re-check the events we read.
 */
export const STRIPE_API_VERSION = "2026-10-28.endive" as const;
/** How old a signed webhook may be, in seconds (Stripe's default). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface CheckoutRequest {
  account_id: string;
  credits: number;
  amount_cents: number;
  product_name: string;
  success_url: string;
  cancel_url: string;
  /** Sent as Stripe's Idempotency-Key: a retried checkout request answers the same session. */
  idempotency_key: string;
}

export interface PaymentIntentFacts {
  id: string;
  amount_cents: number;
  metadata: Record<string, string>;
}

export interface StripeBilling extends StripeSubscriptions {
  /** Creates a Checkout Session (payment mode); 503 BILLING_NOT_CONFIGURED without STRIPE_SECRET_KEY. */
  checkout(request: CheckoutRequest): Promise<{ id: string; url: string }>;
  /** The payment intent's amount and metadata (where a dispute's account and credits are found); null when Stripe has none. */
  paymentIntent(id: string): Promise<PaymentIntentFacts | null>;
  /**
   * The event, parsed, when the raw body carries a valid signature no older than the tolerance;
   * else 400 INVALID_SIGNATURE. 503 BILLING_NOT_CONFIGURED without STRIPE_WEBHOOK_SECRET.
   */
  verify(payload: Uint8Array, signature: string | undefined, now: number): Promise<unknown>;
}

const notConfigured = (variable: string) =>
  new ApiError("BILLING_NOT_CONFIGURED", `Payments are not configured on this gateway (${variable} is not set).`);

/** Built once per isolate (src/services.ts): the client, when a secret key is set, and the webhook check. */
export function createStripeBilling(config: Config, fetchFn: typeof fetch): StripeBilling {
  const base = new URL(config.STRIPE_BASE_URL);
  const protocol = base.protocol === "http:" ? "http" : "https";
  const client =
    config.STRIPE_SECRET_KEY === undefined
      ? null
      : new Stripe(config.STRIPE_SECRET_KEY, {
          apiVersion: STRIPE_API_VERSION,
          httpClient: Stripe.createFetchHttpClient(fetchFn),
          host: base.hostname,
          port: base.port || (protocol === "http" ? 80 : 443),
          protocol,
          maxNetworkRetries: 1,
          timeout: config.UPSTREAM_TIMEOUT_MS,
        });
  const crypto = Stripe.createSubtleCryptoProvider();
  const connected = () => {
    if (!client) throw notConfigured("STRIPE_SECRET_KEY");
    return client;
  };

  return {
    ...stripeSubscriptions(connected),
    async checkout(request) {
      const stripe = connected();
      const metadata = { account_id: request.account_id, credits: String(request.credits) };
      try {
        const session = await stripe.checkout.sessions.create(
          {
            mode: "payment",
            client_reference_id: request.account_id,
            metadata,
            payment_intent_data: { metadata },
            line_items: [
              {
                quantity: 1,
                price_data: {
                  currency: "usd",
                  unit_amount: request.amount_cents,
                  product_data: { name: request.product_name },
                },
              },
            ],
            success_url: request.success_url,
            cancel_url: request.cancel_url,
          },
          { idempotencyKey: request.idempotency_key },
        );
        if (!session.url) throw new Error("Stripe answered a checkout session without a url");
        return { id: session.id, url: session.url };
      } catch (error) {
        throw stripeFailure(error, "checkout.sessions.create");
      }
    },

    async paymentIntent(id) {
      const stripe = connected();
      try {
        const intent = await stripe.paymentIntents.retrieve(id);
        return {
          id: intent.id,
          amount_cents: intent.amount_received || intent.amount,
          metadata: intent.metadata ?? {},
        };
      } catch (error) {
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing") return null;
        throw stripeFailure(error, "paymentIntents.retrieve");
      }
    },

    async verify(payload, signature, now) {
      const secret = config.STRIPE_WEBHOOK_SECRET;
      if (secret === undefined) throw notConfigured("STRIPE_WEBHOOK_SECRET");
      try {
        return await Stripe.webhooks.constructEventAsync(
          payload,
          signature ?? "",
          secret,
          WEBHOOK_TOLERANCE_SECONDS,
          crypto,
          now,
        );
      } catch (error) {
        if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
          throw new ApiError(
            "INVALID_SIGNATURE",
            "The Stripe-Signature header is missing, does not match this body, or is too old.",
          );
        }
        // Signed, but not JSON: nothing Stripe sends.
        throw new ApiError("INVALID_REQUEST", "The signed body is not a JSON event.");
      }
    },
  };
}
