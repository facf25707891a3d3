import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/openapi.ts";
import { safeText } from "../../lib/validation.ts";
import { ADMIN_SECURITY } from "../security.ts";

export const PaymentEventSchema = z
  .object({
    event_id: z.string().openapi({ example: "evt_1QzX2bC3d4E5f6G7" }),
    event_type: z.string().openapi({ example: "charge.refunded" }),
    account_id: z.string().nullable().openapi({ description: "Null for an event no account was found for" }),
    reference: z
      .string()
      .nullable()
      .openapi({ description: "Checkout session, payment intent or dispute id", example: "pi_3QzX2bC3d4E5f6G7" }),
    outcome: z.string().openapi({ example: "clawed_back" }),
    changed_micros: z
      .number()
      .int()
      .openapi({ description: "Net balance change of the event", example: -5_000_000_000 }),
    owed_micros: z.number().int().openapi({ description: "What the event recorded as owed (negative: cancelled)" }),
    note: z.string().nullable().openapi({ description: "Why an event was only recorded" }),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("PaymentEvent");

export const PaymentEventsSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(PaymentEventSchema),
    owed_micros: z.number().int().openapi({ description: "Claw-backs the account's balance could not cover" }),
    disputed_at: z
      .string()
      .nullable()
      .openapi({ format: "date-time", description: "When a dispute was first opened against the account" }),
  })
  .openapi("PaymentEvents");

export const listPaymentEvents = createRoute({
  method: "get",
  path: "/admin/billing/events",
  tags: ["Admin"],
  operationId: "adminListPaymentEvents",
  summary: "Payment events of an account, or those no account was found for",
  description:
    "Stripe events as applied, newest first: `account_id=<id>` for an account (with what it owes and whether it was disputed), `unassigned=1` for events whose account could not be found.",
  security: ADMIN_SECURITY,
  request: {
    query: z.object({
      account_id: safeText(z.string().min(1).max(128)).optional().openapi({ example: "acct_8c1f2e3d4a5b6c7d8e9f" }),
      unassigned: z.enum(["1", "true"]).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: jsonContent(PaymentEventsSchema, "The events"),
    ...errorResponses("INVALID_ADMIN_SECRET", "NOT_FOUND", "INVALID_REQUEST", "STORE_UNAVAILABLE"),
  },
});
