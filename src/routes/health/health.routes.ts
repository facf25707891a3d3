import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/openapi.ts";

export const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health", { example: { status: "ok" } });

export const getHealth = createRoute({
  method: "get",
  path: "/health",
  tags: ["System"],
  operationId: "getHealth",
  summary: "Liveness check",
  description: "Answers 200 while the gateway is up and its configuration is valid. Needs no key.",
  security: [],
  responses: {
    200: jsonContent(HealthSchema, "The gateway is up"),
    ...errorResponses(),
  },
});
