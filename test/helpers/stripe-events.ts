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

/**
 * A subscription to the plan sold at `price`, as Stripe reports it (API version 2026-10-28.endive):
 * the subscription carries the account in its metadata (put there by the gateway's checkout) and each
 * invoice carries a copy under parent.subscription_details. `at` is the event's `created`, in seconds.
 */
export function subscription(account: string, customer: string, price: string) {
  const sub = stripeId("sub");
  const metadata = { account_id: account };
  const at = (body: StripeEventBody, created?: number) => (created === undefined ? body : { ...body, created });
  const subscriptionObject = (itemPrice: string, status: string) => ({
    id: sub,
    object: "subscription",
    customer,
    status,
    cancel_at_period_end: false,
    metadata,
    items: {
      object: "list",
      data: [
        {
          id: stripeId("si"),
          object: "subscription_item",
          price: { id: itemPrice, object: "price", recurring: { interval: "month" }, unit_amount: 2900 },
          quantity: 1,
        },
      ],
    },
  });
  const invoiceObject = (options: InvoiceOptions) => {
    const id = options.invoice ?? stripeId("in");
    const paid = options.amount_paid ?? 2900;
    return {
      id,
      object: "invoice",
      customer,
      amount_paid: paid,
      currency: "usd",
      status: "paid",
      attempt_count: options.attempt_count ?? 1,
      billing_reason: options.billing_reason ?? "subscription_cycle",
      parent: {
        type: "subscription_details",
        quote_details: null,
        subscription_details: { metadata: options.no_metadata ? {} : metadata, subscription: sub },
      },
      lines: {
        object: "list",
        has_more: false,
        data: (options.lines ?? [{ price: options.price ?? price, amount: paid, proration: false }]).map((line) => ({
          id: stripeId("il"),
          object: "line_item",
          amount: line.amount,
          currency: "usd",
          quantity: 1,
          parent: {
            type: "subscription_item_details",
            subscription_item_details: {
              subscription: sub,
              subscription_item: stripeId("si"),
              proration: line.proration,
            },
          },
          pricing: { type: "price_details", price_details: { price: line.price, product: stripeId("prod") } },
        })),
      },
    };
  };
  /**
   * An invoice paid by a payment intent, and the events of that payment: the intent carries no
   * metadata (the gateway finds the invoice through Stripe's invoice payments, see registerInvoice).
   */
  const paidInvoice = (options: InvoiceOptions = {}) => {
    const invoice = invoiceObject(options);
    const intent = stripeId("pi_test");
    const paid = invoice.amount_paid;
    return {
      invoice,
      intent,
      paid: (id?: string) => at(event("invoice.paid", invoice, id), options.created),
      /** `refunded` is the charge's cumulative amount_refunded, in cents. */
      refunded: (refunded: number, id?: string) =>
        event(
          "charge.refunded",
          {
            id: stripeId("ch"),
            object: "charge",
            amount: paid,
            amount_refunded: refunded,
            refunded: refunded === paid,
            currency: "usd",
            payment_intent: intent,
            metadata: {},
          },
          id,
        ),
      dispute: (type: "charge.dispute.created" | "charge.dispute.closed", dispute: string, status: string) =>
        event(type, {
          id: dispute,
          object: "dispute",
          amount: paid,
          currency: "usd",
          status,
          charge: stripeId("ch"),
          payment_intent: intent,
          metadata: {},
        }),
      intentObject: () => ({ id: intent, amount: paid, amount_received: paid, currency: "usd", metadata: {} }),
    };
  };
  return {
    id: sub,
    paidInvoice,
    invoicePaid: (options: InvoiceOptions = {}, id?: string) =>
      at(event("invoice.paid", invoiceObject(options), id), options.created),
    paymentFailed: (options: InvoiceOptions = {}) =>
      at(
        event("invoice.payment_failed", { ...invoiceObject(options), status: "open", amount_paid: 0 }),
        options.created,
      ),
    updated: (options: { price?: string; status?: string; created?: number } = {}) =>
      at(
        event("customer.subscription.updated", subscriptionObject(options.price ?? price, options.status ?? "active")),
        options.created,
      ),
    deleted: (created?: number) =>
      at(event("customer.subscription.deleted", subscriptionObject(price, "canceled")), created),
  };
}

export interface InvoiceOptions {
  invoice?: string;
  price?: string;
  amount_paid?: number;
  billing_reason?: string;
  attempt_count?: number;
  /** Seconds: the event's `created`. */
  created?: number;
  /** The invoice's lines; by default one line of the subscription's price for the amount paid. */
  lines?: { price: string; amount: number; proration: boolean }[];
  /** Leaves the account out of the invoice, so the gateway asks Stripe for the customer's. */
  no_metadata?: boolean;
}
