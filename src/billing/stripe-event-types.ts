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
