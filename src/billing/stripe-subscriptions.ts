import Stripe from "stripe";
import { sha256Hex } from "../lib/crypto.ts";
import { stripeFailure } from "./stripe-errors.ts";

export interface SubscriptionCheckoutRequest {
  account_id: string;
  plan_id: string;
  /** The plan's recurring Stripe price. */
  price_id: string;
  /** The account's Stripe customer. */
  customer: string;
  success_url: string;
  cancel_url: string;
  /** Sent as Stripe's Idempotency-Key: a retried request answers the same session. */
  idempotency_key: string;
}

/** A subscription invoice's payment: the invoice as Stripe answers it (read with InvoiceSchema) and what the payment paid of it. */
export interface InvoicePaymentFacts {
  invoice: unknown;
  amount_paid_cents: number;
}

/** Subscriptions: the account's customer, Checkout in subscription mode, the billing portal. */
export interface StripeSubscriptions {
  /**
   * Creates the account's Stripe customer (metadata.account_id), with an Idempotency-Key derived from
   * the account id: concurrent first checkouts of one account get one customer.
   */
  createCustomer(accountId: string): Promise<string>;
  /** The account a customer was created for (its metadata.account_id); null when Stripe has no such customer or none is named. */
  customerAccount(customerId: string): Promise<string | null>;
  /** A Checkout Session in subscription mode for the plan's price, the account in its metadata and the subscription's. */
  subscribe(request: SubscriptionCheckoutRequest): Promise<{ id: string; url: string }>;
  /** A billing portal session for the customer (change or cancel the subscription, invoices, payment method). */
  portal(request: { customer: string; return_url: string }): Promise<{ url: string }>;
  /**
   * The invoice a payment intent paid, through the Invoice Payments API (neither charges nor payment
   * intents name their invoice since API version 2025-03-31); null when it paid none.
   */
  invoicePayment(paymentIntent: string): Promise<InvoicePaymentFacts | null>;
}

const missing = (error: unknown) =>
  error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing";

export function stripeSubscriptions(connected: () => Stripe): StripeSubscriptions {
  return {
    async createCustomer(accountId) {
      const stripe = connected();
      const idempotencyKey = `customer_${await sha256Hex(accountId)}`;
      try {
        const customer = await stripe.customers.create({ metadata: { account_id: accountId } }, { idempotencyKey });
        return customer.id;
      } catch (error) {
        throw stripeFailure(error, "customers.create");
      }
    },

    async customerAccount(customerId) {
      const stripe = connected();
      try {
        const customer = await stripe.customers.retrieve(customerId);
        if (customer.deleted) return null;
        return customer.metadata?.account_id ?? null;
      } catch (error) {
        if (missing(error)) return null;
        throw stripeFailure(error, "customers.retrieve");
      }
    },

    async subscribe(request) {
      const stripe = connected();
      const metadata = { account_id: request.account_id, plan: request.plan_id };
      try {
        const session = await stripe.checkout.sessions.create(
          {
            mode: "subscription",
            customer: request.customer,
            client_reference_id: request.account_id,
            metadata,
            subscription_data: { metadata },
            line_items: [{ price: request.price_id, quantity: 1 }],
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

    async portal(request) {
      const stripe = connected();
      try {
        const session = await stripe.billingPortal.sessions.create({
          customer: request.customer,
          return_url: request.return_url,
        });
        return { url: session.url };
      } catch (error) {
        throw stripeFailure(error, "billingPortal.sessions.create");
      }
    },

    async invoicePayment(paymentIntent) {
      const stripe = connected();
      let payments: Stripe.ApiList<Stripe.InvoicePayment>;
      try {
        payments = await stripe.invoicePayments.list({
          payment: { type: "payment_intent", payment_intent: paymentIntent },
        });
      } catch (error) {
        if (missing(error)) return null;
        throw stripeFailure(error, "invoicePayments.list");
      }
      // amount_paid is null until the payment is paid.
      const paid = payments.data.find((payment) => payment.amount_paid !== null);
      if (!paid) return null;
      const id = typeof paid.invoice === "string" ? paid.invoice : paid.invoice.id;
      try {
        return { invoice: await stripe.invoices.retrieve(id), amount_paid_cents: paid.amount_paid ?? 0 };
      } catch (error) {
        if (missing(error)) return null;
        throw stripeFailure(error, "invoices.retrieve");
      }
    },
  };
}
