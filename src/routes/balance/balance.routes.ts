import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/openapi.ts";
import { CUSTOMER_SECURITY } from "../security.ts";

export const BalanceSchema = z
  .object({
    account_id: z.string().openapi({ example: "acct_8c1f2e3d4a5b6c7d8e9f" }),
    credits: z.number().nullable().openapi({
      description: "Credits available to spend (balance minus holds); null for RapidAPI subscribers",
      example: 9999.64,
    }),
    credits_micros: z.number().int().nullable().openapi({
      description: "The same, exactly, in micro-credits (1 credit = 1,000,000)",
      example: 9999640000,
    }),
    held_micros: z.number().int().openapi({ description: "Reserved by calls in flight", example: 0 }),
    source: z.enum(["key", "rapidapi"]),
    plan: z.string().openapi({
      description:
        "The id of the plan you are on (GET /v1/plans): your subscription's, or the default plan without one; for RapidAPI subscribers, the plan their RapidAPI subscription maps to",
      example: "pro",
    }),
    accrued_micros: z.number().int().optional().openapi({
      description: "RapidAPI only: everything your calls have cost, in micro-credits",
    }),
    unbilled_micros: z.number().int().optional().openapi({
      description:
        "RapidAPI only: cost not yet billed through X-RapidAPI-Billing (negative: the part of a billed credit not used yet)",
    }),
  })
  .openapi("Balance");

export const getBalance = createRoute({
  method: "get",
  path: "/v1/balance",
  tags: ["Account"],
  operationId: "getBalance",
  summary: "Your credit balance",
  security: CUSTOMER_SECURITY,
  responses: {
    200: jsonContent(BalanceSchema, "Your balance"),
    ...errorResponses("MISSING_API_KEY", "INVALID_API_KEY", "RATE_LIMITED", "STORE_UNAVAILABLE"),
  },
});
