import { createRoute, z } from "@hono/zod-openapi";
import { buildApp } from "../../src/app.ts";
import { createRouter } from "../../src/lib/create-app.ts";
import { BODY_ERRORS, errorResponses, jsonBody, jsonContent } from "../../src/lib/openapi.ts";

/**
 * The real gateway plus two probe routes, so the shared machinery (validation hook,
 * body limit, media-type gate, onError) can be driven through a real JSON body route
 * and a handler that throws.
 */
export function probeApp() {
  const app = buildApp();
  const echo = createRoute({
    method: "post",
    path: "/__probe/echo",
    operationId: "probeEcho",
    request: {
      query: z.object({ mode: z.enum(["plain", "loud"]).optional() }),
      body: jsonBody(
        z.object({
          model: z.string(),
          messages: z.array(z.object({ role: z.enum(["user", "assistant"]), content: z.string() })).min(1),
          max_tokens: z.number().int().positive().optional(),
        }),
        "probe",
      ),
    },
    responses: { 200: jsonContent(z.object({ model: z.string() }), "echo"), ...errorResponses(...BODY_ERRORS) },
  });
  const probes = createRouter()
    .openapi(echo, (c) => c.json({ model: c.req.valid("json").model }, 200))
    .get("/__probe/boom", () => {
      throw new Error("database password is hunter2");
    });
  app.route("/", probes);
  return app;
}
