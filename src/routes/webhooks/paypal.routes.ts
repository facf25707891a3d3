import { createRoute, z } from "@hono/zod-openapi";
import { PAYPAL_HANDLED_EVENTS } from "../../billing/paypal-events.ts";
import { errorResponses, jsonContent } from "../../lib/openapi.ts";
import { WebhookReceiptSchema } from "./webhooks.routes.ts";

export const paypalWebhook = createRoute({
  method: "post",
  path: "/webhooks/paypal",
  tags: ["Webhooks"],
  operationId: "paypalWebhook",
  summary: "PayPal events (verified with PayPal)",
  description: `PayPal's webhook events; each is verified with PayPal's verify-webhook-signature (the paypal-transmission-* headers, the raw body and PAYPAL_WEBHOOK_ID) before anything is read, and anything not verified is 400 INVALID_SIGNATURE. Handles ${PAYPAL_HANDLED_EVENTS.join(", ")}; other events are acknowledged and ignored. Every event applies once, whatever order and however often it arrives. While PayPal or the store cannot answer the answer is 5xx, so PayPal retries.`,
  security: [],
  request: {
    headers: z.object({
      "paypal-transmission-id": z.string().optional().openapi({ example: "69cd13f0-d67a-11e5-baa3-778b53f4ae55" }),
      "paypal-transmission-time": z.string().optional().openapi({ example: "2026-11-30T22:01:05Z" }),
      "paypal-transmission-sig": z.string().optional(),
      "paypal-cert-url": z.string().optional(),
      "paypal-auth-algo": z.string().optional().openapi({ example: "SHA256withRSA" }),
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
      "PROVIDER_RATE_LIMITED",
      "BILLING_NOT_CONFIGURED",
      "STORE_UNAVAILABLE",
    ),
  },
});
