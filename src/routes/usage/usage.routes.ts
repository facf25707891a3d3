import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/openapi.ts";
import { CUSTOMER_SECURITY } from "../security.ts";

export const LedgerEntrySchema = z
  .object({
    id: z.string().openapi({ example: "le_5e0c2a9b1f3d4c6e8a7b9d0f" }),
    amount_micros: z
      .number()
      .int()
      .openapi({ description: "Balance change in micro-credits (negative for charges)", example: -360000 }),
    credits: z.number().openapi({ description: "The same in credits", example: -0.36 }),
    reason: z.enum(["usage", "purchase", "admin_grant", "plan_allowance", "clawback", "reversal", "uncollected"]),
    reference: z.string().nullable(),
    created_at: z.string().openapi({ format: "date-time" }),
    balance_after_micros: z.number().int(),
    request_id: z.string().nullable().openapi({ description: "Usage entries: the x-request-id of the call" }),
    provider: z.string().nullable().openapi({ example: "openai" }),
    model: z.string().nullable().openapi({ example: "gpt-4o-mini" }),
    usage: z
      .record(z.string(), z.number())
      .nullable()
      .openapi({
        description:
          "What the call consumed, by priced kind (tokens, characters, images, clips), plus counts a provider reported that are kept unpriced to reconcile with its bill: ElevenLabs' `character_cost` (what it charged, in its own credits)",
        example: { input: 16, output: 300 },
      }),
    uncollected_micros: z.number().int().nullable().openapi({
      description:
        "`uncollected` entries: cost the balance could not cover (or, for a payment, a claw-back it could not)",
    }),
    amount_paid_cents: z.number().int().nullable().openapi({
      description:
        "Payment entries (`purchase`, `clawback`, `reversal`): what the payment they belong to was, in US cents",
      example: null,
    }),
  })
  .openapi("LedgerEntry");

export const UsageSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(LedgerEntrySchema),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next (older) page" }),
    daily: z
      .array(
        z.object({
          date: z.string().openapi({ example: "2026-11-24" }),
          charged_micros: z.number().int(),
          requests: z.number().int(),
        }),
      )
      .openapi({ description: "Usage charges per UTC day over the last `days` days, newest first" }),
  })
  .openapi("Usage");

export const getUsage = createRoute({
  method: "get",
  path: "/v1/usage",
  tags: ["Account"],
  operationId: "getUsage",
  summary: "Your ledger and daily usage",
  description: "Every balance change, newest first, with cursor pagination, and daily usage totals.",
  security: CUSTOMER_SECURITY,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
      cursor: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,24}$/)
        .optional(),
      days: z.coerce.number().int().min(1).max(90).default(30),
    }),
  },
  responses: {
    200: jsonContent(UsageSchema, "Your ledger"),
    ...errorResponses("MISSING_API_KEY", "INVALID_API_KEY", "INVALID_REQUEST", "RATE_LIMITED", "STORE_UNAVAILABLE"),
  },
});
