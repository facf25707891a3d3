import { TRANSMISSION_HEADERS, type TransmissionHeaders } from "../../billing/paypal.ts";
import { applyPayPalEvent } from "../../billing/paypal-events.ts";
import { log } from "../../lib/log.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import type * as routes from "./paypal.routes.ts";

export const paypalWebhook: AppRouteHandler<typeof routes.paypalWebhook> = async (c) => {
  const { store, paypal, now } = c.var.services;
  // PayPal verifies the body as it sent it: read it raw, never re-serialised.
  const raw = await c.req.text();
  const headers = Object.fromEntries(
    TRANSMISSION_HEADERS.map((name) => [name, c.req.header(name)]),
  ) as TransmissionHeaders;
  const event = await paypal.verify(headers, raw);
  const outcome = await applyPayPalEvent(event, { store, paypal, now: now() });
  log("info", "paypal event", { request_id: c.var.requestId, event_id: event.id, type: event.event_type, outcome });
  return c.json({ received: true as const, event_id: event.id, outcome }, 200);
};
