import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/openapi.ts";
import { ADMIN_SECURITY } from "../security.ts";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const RapidApiDaySchema = z.object({
  date: z.string().openapi({ example: "2026-11-30" }),
  calls: z.number().int().openapi({ example: 42 }),
  accrued_micros: z.number().int().openapi({ description: "What the calls cost, exactly", example: 12_345_678 }),
  billed_credits: z.number().int().openapi({ description: "Credits billed through X-RapidAPI-Billing", example: 12 }),
});

export const RapidApiUsageSchema = z
  .object({
    user: z.string().openapi({ example: "acme-corp" }),
    account_id: z.string().openapi({ example: "rapidapi:acme-corp" }),
    from: z.string(),
    to: z.string(),
    days: z.array(RapidApiDaySchema),
    totals: RapidApiDaySchema.omit({ date: true }),
    unbilled_micros: z.number().int().openapi({ description: "Owed now and not yet billed (negative: billed ahead)" }),
  })
  .openapi("RapidApiUsage");

export const rapidApiUsage = createRoute({
  method: "get",
  path: "/admin/rapidapi/usage",
  tags: ["Admin"],
  operationId: "adminRapidApiUsage",
  summary: "A RapidAPI subscriber's calls, cost and billed credits, per day",
  description:
    "For reconciling with RapidAPI's own report: per UTC day from `from` to `to` (inclusive, at most 366 days), the calls, their exact cost and the credits the answers billed.",
  security: ADMIN_SECURITY,
  request: {
    query: z.object({
      user: z
        .string()
        .regex(/^[\x21-\x7e]{1,128}$/)
        .openapi({ description: "X-RapidAPI-User", example: "acme-corp" }),
      from: z.string().regex(DAY).openapi({ example: "2026-11-01" }),
      to: z.string().regex(DAY).openapi({ example: "2026-11-30" }),
    }),
  },
  responses: {
    200: jsonContent(RapidApiUsageSchema, "The subscriber's usage"),
    ...errorResponses("INVALID_ADMIN_SECRET", "NOT_FOUND", "INVALID_REQUEST", "STORE_UNAVAILABLE"),
  },
});
