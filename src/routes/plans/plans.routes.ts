import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/openapi.ts";

export const PlanSchema = z
  .object({
    id: z.string().openapi({ description: "What `{plan}` in POST /v1/billing/checkout names", example: "pro" }),
    name: z.string().openapi({ example: "Pro" }),
    requests_per_minute: z.number().int().openapi({
      description: "Requests to /v1/* in any 60 s window",
      example: 600,
    }),
    concurrent_requests: z.number().int().openapi({
      description: "Metered calls in flight at once (a stream counts until it ends)",
      example: 20,
    }),
    monthly_allowance_credits: z.number().int().openapi({
      description: "Credits added with each paid monthly invoice of the subscription; unused credits stay",
      example: 2000,
    }),
    purchasable: z.boolean().openapi({
      description: "Whether POST /v1/billing/checkout can subscribe to it (the operator set its Stripe price)",
      example: true,
    }),
    on_sale: z.boolean().openapi({ description: "False for a plan kept for existing subscribers", example: true }),
    default: z.boolean().openapi({
      description: "The plan of API keys without a subscription",
      example: false,
    }),
  })
  .openapi("Plan");

export const PlanListSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(PlanSchema),
    default_plan: z.string().openapi({ description: "The id of the default plan", example: "free" }),
  })
  .openapi("PlanList");

export const listPlans = createRoute({
  method: "get",
  path: "/v1/plans",
  tags: ["Account"],
  operationId: "listPlans",
  summary: "The plans: limits, monthly allowance, whether they can be bought",
  description:
    "The plans on sale, with their rate limits and the credits each paid month adds. Needs no key. Subscribe with POST /v1/billing/checkout `{plan}`; GET /v1/balance names the plan you are on. RapidAPI subscribers are on the plan their RapidAPI subscription maps to.",
  security: [],
  request: {
    query: z.object({
      all: z.enum(["true", "false"]).optional().openapi({
        description: "`true` also lists plans no longer on sale (kept for existing subscribers)",
        example: "false",
      }),
    }),
  },
  responses: {
    200: jsonContent(PlanListSchema, "The plans"),
    ...errorResponses("INVALID_REQUEST"),
  },
});
