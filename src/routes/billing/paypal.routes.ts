import { createRoute, z } from "@hono/zod-openapi";
import { BODY_ERRORS, errorResponses, idempotencyKeyHeaders, jsonBody, jsonContent } from "../../lib/openapi.ts";
import { KEY_HOLDER_SECURITY } from "../security.ts";
import { CheckoutBodySchema } from "./billing.routes.ts";

/** PayPal sells credits only (plans are Stripe subscriptions). */
export const PayPalOrderBodySchema = z
  .object({ credits: CheckoutBodySchema.shape.credits.unwrap() })
  .openapi("PayPalOrderRequest");

export const PayPalOrderSchema = z
  .object({
    id: z.string().openapi({ description: "The PayPal order id", example: "5O190127TN364715T" }),
    approve_url: z.string().openapi({
      description:
        "Send the buyer here to approve the payment; then capture the order (POST /v1/billing/paypal/orders/{id}/capture)",
      example: "https://www.paypal.com/checkoutnow?token=5O190127TN364715T",
    }),
  })
  .openapi("PayPalOrder");

export const PayPalCaptureSchema = z
  .object({
    id: z.string().openapi({ description: "The PayPal order id", example: "5O190127TN364715T" }),
    capture_id: z.string().openapi({ description: "PayPal's capture of the payment", example: "3C679366HH908993F" }),
    status: z.enum(["completed", "pending"]).openapi({
      description:
        "completed: the credits are on your balance (added once, however often the order is captured). pending: PayPal is holding the payment (e.g. an eCheck or a review); the credits are added when PayPal completes it",
      example: "completed",
    }),
    credits: z.number().int().openapi({ description: "The credits the order was created for", example: 5000 }),
  })
  .openapi("PayPalCapture");

const OrderIdParams = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, "must be a PayPal order id")
    .openapi({ param: { name: "id", in: "path" }, example: "5O190127TN364715T" }),
});

export const createOrder = createRoute({
  method: "post",
  path: "/v1/billing/paypal/orders",
  tags: ["Billing"],
  operationId: "createPayPalOrder",
  summary: "Buy credits with PayPal",
  description:
    "Creates a PayPal order (intent CAPTURE, in USD) for the credits and answers the URL where the buyer approves it. Once approved, capture it with POST /v1/billing/paypal/orders/{id}/capture: the credits are added to your balance once (a ledger entry `purchase`); a refund or reversal takes them back (`clawback`). Send an `Idempotency-Key` header to make retries safe: the same key answers the same order.",
  security: KEY_HOLDER_SECURITY,
  request: {
    headers: idempotencyKeyHeaders("paypal-2026-11-30-001"),
    body: jsonBody(PayPalOrderBodySchema, "How many credits to buy"),
  },
  responses: {
    200: jsonContent(PayPalOrderSchema, "The order, and where the buyer approves it"),
    ...errorResponses(
      "MISSING_API_KEY",
      "INVALID_API_KEY",
      "FORBIDDEN",
      "PROVIDER_ERROR",
      "PROVIDER_TIMEOUT",
      "PROVIDER_RATE_LIMITED",
      "RATE_LIMITED",
      "BILLING_NOT_CONFIGURED",
      "STORE_UNAVAILABLE",
      ...BODY_ERRORS,
    ),
  },
});

export const captureOrder = createRoute({
  method: "post",
  path: "/v1/billing/paypal/orders/{id}/capture",
  tags: ["Billing"],
  operationId: "capturePayPalOrder",
  summary: "Capture an approved PayPal order",
  description:
    "Captures the payment of one of your orders once the buyer approved it, and adds its credits to your balance, once: capturing again, or PayPal's own notification of the payment, adds nothing more. Another account's order is 404. An order not approved yet is 400. While PayPal holds the payment the answer is `pending` and the credits come when it completes.",
  security: KEY_HOLDER_SECURITY,
  request: { params: OrderIdParams },
  responses: {
    200: jsonContent(PayPalCaptureSchema, "The capture, and whether its credits are on the balance"),
    ...errorResponses(
      "INVALID_REQUEST",
      "MISSING_API_KEY",
      "INVALID_API_KEY",
      "FORBIDDEN",
      "NOT_FOUND",
      "PROVIDER_ERROR",
      "PROVIDER_TIMEOUT",
      "PROVIDER_RATE_LIMITED",
      "RATE_LIMITED",
      "BILLING_NOT_CONFIGURED",
      "STORE_UNAVAILABLE",
    ),
  },
});
