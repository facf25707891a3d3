import { EventSchema } from "../../billing/stripe-event-types.ts";
import { applyStripeEvent } from "../../billing/stripe-events.ts";
import { ApiError } from "../../lib/errors.ts";
import { log } from "../../lib/log.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import type * as routes from "./webhooks.routes.ts";

export const stripeWebhook: AppRouteHandler<typeof routes.stripeWebhook> = async (c) => {
  const { store, stripe, plans, now } = c.var.services;
  // The signature covers the bytes as sent: read them raw, never re-serialised.
  const payload = new Uint8Array(await c.req.arrayBuffer());
  const verified = await stripe.verify(payload, c.req.header("stripe-signature"), now());
  const event = EventSchema.safeParse(verified);
  if (!event.success) throw new ApiError("INVALID_REQUEST", "The signed body is not a Stripe event.");
  const outcome = await applyStripeEvent(event.data, { store, stripe, plans, now: now() });
  log("info", "stripe event", {
    request_id: c.var.requestId,
    event_id: event.data.id,
    type: event.data.type,
    outcome,
  });
  return c.json({ received: true as const, event_id: event.data.id, outcome }, 200);
};
