import { createRoute, z } from "@hono/zod-openapi";
import { GROUP_BY } from "../../analytics/report.ts";
import { errorResponses, jsonContent } from "../../lib/openapi.ts";
import { ADMIN_SECURITY } from "../security.ts";

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const usd = (description: string, example: string) =>
  z.string().openapi({ description: `${description}; an exact decimal string, never a float`, example });

export const AnalyticsRowSchema = z
  .object({
    calls: z.number().int().openapi({ description: "Metered calls settled", example: 1234 }),
    provider_cost_usd: usd("What the providers charged for the calls, at list price", "12.345678"),
    usage_revenue_micros: z.number().int().openapi({ description: "µcr charged for usage", example: 2_222_222_040 }),
    usage_revenue_usd: usd("The usage revenue in USD (µcr × STRIPE_PRICE_USD_PER_CREDIT ÷ 10⁶)", "22.2222204"),
    cash_revenue_usd: usd(
      "Payments received (credit purchases and subscription invoices), net of refunds and disputes (won disputes added back)",
      "50.00",
    ),
    margin_usd: usd("usage_revenue_usd − provider_cost_usd", "9.876542"),
    uncollected_micros: z.number().int().openapi({
      description: "Usage the balance could not pay plus claw-backs it could not cover, µcr",
      example: 0,
    }),
    granted_micros: z
      .number()
      .int()
      .openapi({ description: "Credits granted (admin grants and plan allowances), µcr", example: 10_000_000_000 }),
  })
  .openapi("AnalyticsRow");

export const AnalyticsSchema = z
  .object({
    from: z.string().openapi({ example: "2026-11-01" }),
    to: z.string().openapi({ example: "2026-11-30" }),
    group_by: z.enum(GROUP_BY),
    totals: AnalyticsRowSchema,
    groups: z.array(AnalyticsRowSchema.extend({ key: z.string().openapi({ example: "2026-11-30" }) })).openapi({
      description:
        'Sorted by key; they sum to the totals. By day every day of the range is listed; by provider or model, payments and grants are the group "-".',
    }),
    top_accounts: z
      .array(
        z.object({
          account_id: z.string().openapi({ example: "acct_8c1f2e3d4a5b6c7d8e9f" }),
          charged_micros: z.number().int().openapi({ example: 123_456_789 }),
          calls: z.number().int().openapi({ example: 42 }),
        }),
      )
      .openapi({ description: "The 10 accounts charged most over the range" }),
  })
  .openapi("Analytics");

export const getAnalytics = createRoute({
  method: "get",
  path: "/admin/analytics",
  tags: ["Admin"],
  operationId: "adminAnalytics",
  summary: "Provider cost, revenue, margin and calls, per day, provider, model, plan or source",
  description:
    "Per-day (UTC) aggregates kept by every settle, payment and grant, exactly equal to the ledger's sums. `from` and `to` are inclusive UTC days, at most 366 days apart; by default the last 30 days ending today.",
  security: ADMIN_SECURITY,
  request: {
    query: z.object({
      from: z
        .string()
        .regex(DAY, { error: "must be a date, YYYY-MM-DD" })
        .optional()
        .openapi({ example: "2026-11-01" }),
      to: z.string().regex(DAY, { error: "must be a date, YYYY-MM-DD" }).optional().openapi({ example: "2026-11-30" }),
      group_by: z.enum(GROUP_BY).default("day"),
    }),
  },
  responses: {
    200: jsonContent(AnalyticsSchema, "The aggregates of the range"),
    ...errorResponses("INVALID_ADMIN_SECRET", "NOT_FOUND", "INVALID_REQUEST", "STORE_UNAVAILABLE"),
  },
});
