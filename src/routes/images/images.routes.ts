import { createRoute } from "@hono/zod-openapi";
import { ImageRequestSchema, ImagesResponseSchema } from "../../capabilities/image/schemas.ts";
import { errorResponses, jsonBody } from "../../lib/openapi.ts";
import { METERED_ERRORS, METERED_HEADERS } from "../metered.ts";
import { CUSTOMER_SECURITY } from "../security.ts";

export const createImage = createRoute({
  method: "post",
  path: "/v1/images/generations",
  tags: ["Images"],
  operationId: "createImage",
  summary: "Generate images (OpenAI-compatible)",
  description:
    "Works with the official `openai` SDK's `images.generate()`: set `baseURL` to this gateway's `/v1`. Images always come back base64-encoded. The call holds n × the dearest image its size and quality can reach, then charges GPT image models the text and image tokens OpenAI reports and Stability models per image. A failed or filtered generation is not charged; one that succeeded upstream is charged even if the client has gone.",
  security: CUSTOMER_SECURITY,
  request: { body: jsonBody(ImageRequestSchema, "An OpenAI image generation request") },
  responses: {
    200: {
      description: "The images, charged exactly: `x-credits-charged` and `x-credits-remaining` are final",
      headers: METERED_HEADERS,
      content: { "application/json": { schema: ImagesResponseSchema } },
    },
    ...errorResponses(...METERED_ERRORS),
  },
});
