import { createRoute, z } from "@hono/zod-openapi";
import { MAX_CHECKOUT_CREDITS, MIN_CHECKOUT_CREDITS } from "../../billing/credits-price.ts";
import { BODY_ERRORS, errorResponses, idempotencyKeyHeaders, jsonBody, jsonContent } from "../../lib/openapi.ts";
import { KEY_HOLDER_SECURITY } from "../security.ts";

export const CheckoutBodySchema = z
  .object({
    credits: z
      .number()
      .int()
      .min(MIN_CHECKOUT_CREDITS)
      .max(MAX_CHECKOUT_CREDITS)
      .optional()
      .openapi({
        description: `Buy credits once (payment mode). Whole credits, ${MIN_CHECKOUT_CREDITS} to ${MAX_CHECKOUT_CREDITS.toLocaleString("en-US")}. The price is credits × the gateway's USD per credit ($0.01 unless the operator set another), charged in USD; an amount that does not come to whole cents, or to between $0.50 and $999,999.99, is refused with 400 naming credits.`,
        example: 5000,
      }),
    plan: z.string().min(1).max(64).optional().openapi({
      description:
        "Subscribe to a plan instead (subscription mode): an id from GET /v1/plans whose `purchasable` is true. Each paid monthly invoice adds the plan's allowance and sets your plan; change or cancel it with POST /v1/billing/portal. Send `credits` or `plan`, not both.",
      example: "pro",
    }),
  })
  .openapi("CheckoutRequest");

export const CheckoutSessionSchema = z
  .object({
    id: z.string().openapi({ description: "The Stripe Checkout Session id", example: "cs_test_a1b2c3d4e5f6" }),
    url: z.string().openapi({
      description: "Send the customer here to pay; the credits arrive once Stripe reports the payment",
      example: "https://checkout.stripe.com/c/pay/cs_test_a1b2c3d4e5f6",
    }),
  })
  .openapi("CheckoutSession");

export const checkout = createRoute({
  method: "post",
  path: "/v1/billing/checkout",
  tags: ["Billing"],
  operationId: "createCheckout",
  summary: "Buy credits or subscribe to a plan with Stripe Checkout",
  description:
    "Creates a Stripe Checkout Session and answers its URL. `{credits}`: a one-time payment; the credits are added to your balance, once, when Stripe confirms the payment (a ledger entry `purchase`); a refund or a dispute takes them back (`clawback`). `{plan}`: a monthly subscription; each paid invoice adds the plan's allowance (`plan_allowance`) and puts you on the plan, a refund or a dispute of an invoice takes back the allowance's refunded share (`clawback`), and its end returns you to the default plan (an account already on a paid plan changes it in the billing portal instead). Send an `Idempotency-Key` header to make retries safe: the same key answers the same session.",
  security: KEY_HOLDER_SECURITY,
  request: {
    headers: idempotencyKeyHeaders("checkout-2026-11-30-001"),
    body: jsonBody(CheckoutBodySchema, "How many credits to buy, or which plan to subscribe to"),
  },
  responses: {
    200: jsonContent(CheckoutSessionSchema, "The Checkout Session to send the customer to"),
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

export const PortalSessionSchema = z
  .object({
    url: z.string().openapi({
      description: "Send the customer here to change or cancel the subscription, see invoices, or update the card",
      example: "https://billing.stripe.com/p/session/test_YWNjdF8xUXpYMmJDM2Q0",
    }),
  })
  .openapi("PortalSession");

export const portal = createRoute({
  method: "post",
  path: "/v1/billing/portal",
  tags: ["Billing"],
  operationId: "createBillingPortal",
  summary: "Manage your subscription in the Stripe customer portal",
  description:
    "Answers the URL of a Stripe billing portal session for your account: change plan, cancel, invoices, payment method. Plan changes and cancellations made there reach your account through Stripe's events. 404 NOT_FOUND until your first subscription checkout (POST /v1/billing/checkout `{plan}`).",
  security: KEY_HOLDER_SECURITY,
  responses: {
    200: jsonContent(PortalSessionSchema, "The portal session to send the customer to"),
    ...errorResponses(
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
