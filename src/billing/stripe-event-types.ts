import { z } from "zod";

/** What the gateway reads of Stripe's webhook events (API version STRIPE_API_VERSION); the rest passes unread. */

const Metadata = z
  .record(z.string(), z.string())
  .nullish()
  .transform((value) => value ?? {});
const Id = z.string().min(1).max(255);
/** Expandable references arrive as ids in webhooks; an expanded object is reduced to its id. */
const Ref = z
  .union([Id, z.object({ id: Id }).transform((object) => object.id)])
  .nullish()
  .transform((value) => value ?? null);
const Cents = z.number().int().nonnegative();

export const EventSchema = z.object({
  id: Id,
  type: z.string().min(1).max(255),
  /** Unix seconds: the order plan changes apply in, whatever order they are delivered in. */
  created: z.number().int().nonnegative().optional(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEvent = z.infer<typeof EventSchema>;

export const SessionSchema = z.object({
  id: Id,
  mode: z.string().nullish(),
  payment_status: z.string().nullish(),
  client_reference_id: z.string().nullish(),
  metadata: Metadata,
  payment_intent: Ref,
  amount_total: Cents.nullish(),
  currency: z.string().nullish(),
});

export const ChargeSchema = z.object({
  id: Id,
  amount: Cents,
  amount_refunded: Cents,
  currency: z.string(),
  payment_intent: Ref,
  metadata: Metadata,
});

export const DisputeSchema = z.object({
  id: Id,
  amount: Cents,
  status: z.string(),
  payment_intent: Ref,
  metadata: Metadata,
});

/** An invoice line: its price (`pricing.price_details.price`; `price` on API versions before 2025-03-31). */
const InvoiceLineSchema = z.object({
  amount: z.number().int().nullish(),
  pricing: z.object({ price_details: z.object({ price: Ref }).nullish() }).nullish(),
  price: Ref,
  proration: z.boolean().nullish(),
  parent: z.object({ subscription_item_details: z.object({ proration: z.boolean().nullish() }).nullish() }).nullish(),
});
export type InvoiceLine = z.infer<typeof InvoiceLineSchema>;

export const InvoiceSchema = z.object({
  id: Id,
  customer: Ref,
  amount_paid: Cents.nullish(),
  billing_reason: z.string().nullish(),
  attempt_count: z.number().int().nullish(),
  /** Where the subscription's metadata (the account) is copied to (API versions since 2025-03-31). */
  parent: z.object({ subscription_details: z.object({ metadata: Metadata, subscription: Ref }).nullish() }).nullish(),
  subscription_details: z.object({ metadata: Metadata }).nullish(),
  subscription: Ref,
  lines: z.object({ data: z.array(InvoiceLineSchema) }).nullish(),
});

export const SubscriptionSchema = z.object({
  id: Id,
  customer: Ref,
  status: z.string(),
  metadata: Metadata,
  items: z.object({ data: z.array(z.object({ price: Ref })) }).nullish(),
});
