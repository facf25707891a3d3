import { createRoute, z } from "@hono/zod-openapi";
import { HANDLED_EVENTS } from "../../billing/stripe-events.ts";
import { errorResponses, jsonContent } from "../../lib/openapi.ts";

export const WebhookReceiptSchema = z
  .object({
    received: z.literal(true),
    event_id: z.string().openapi({ example: "evt_1QzX2bC3d4E5f6G7" }),
    outcome: z.string().openapi({
      description:
        "What the event did: granted, clawed_back, reversed, pending (a refund or dispute before its purchase, applied when the purchase lands), unchanged, plan_changed, stale (a plan change older than one already applied), recorded, unassigned (no account found: kept for the operator), limit_exceeded, or ignored",
      example: "granted",
    }),
  })
  .openapi("WebhookReceipt");

export const stripeWebhook = createRoute({
  method: "post",
  path: "/webhooks/stripe",
  tags: ["Webhooks"],
  operationId: "stripeWebhook",
  summary: "Stripe events (signed)",
  description: `Stripe's signed events; the raw body is checked against STRIPE_WEBHOOK_SECRET (Stripe-Signature, at most 300 s old) before anything is read. Handles ${HANDLED_EVENTS.join(", ")}; other events are acknowledged and ignored. Every event applies once, whatever order and however often it arrives. While the store is unavailable the answer is 503, so Stripe retries.`,
  security: [],
  request: {
    headers: z.object({
      "stripe-signature": z.string().optional().openapi({ example: "t=1764460800,v1=5257a869e7ec…" }),
    }),
  },
  responses: {
    200: jsonContent(WebhookReceiptSchema, "The event was applied (or was already)"),
    ...errorResponses(
      "INVALID_SIGNATURE",
      "INVALID_REQUEST",
      "PAYLOAD_TOO_LARGE",
      "PROVIDER_ERROR",
      "PROVIDER_TIMEOUT",
      "BILLING_NOT_CONFIGURED",
      "STORE_UNAVAILABLE",
    ),
  },
});
