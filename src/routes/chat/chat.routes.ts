import { createRoute } from "@hono/zod-openapi";
import {
  ChatCompletionSchema,
  ChatRequestSchema,
  ChatStreamSchema,
  LegacyChatRequestSchema,
} from "../../capabilities/chat/schemas.ts";
import { errorResponses, jsonBody } from "../../lib/openapi.ts";
import { METERED_ERRORS, METERED_HEADERS } from "../metered.ts";
import { CUSTOMER_SECURITY } from "../security.ts";

const chatAnswer = {
  description:
    "The completion. With `stream: true`, server-sent chunks; the stream settles before its final `data: [DONE]`.",
  headers: METERED_HEADERS,
  content: {
    "application/json": { schema: ChatCompletionSchema },
    "text/event-stream": { schema: ChatStreamSchema },
  },
};

export const createChatCompletion = createRoute({
  method: "post",
  path: "/v1/chat/completions",
  tags: ["Chat"],
  operationId: "createChatCompletion",
  summary: "Chat completion (OpenAI-compatible)",
  description:
    "Works with the official `openai` SDK: set `baseURL` to this gateway's `/v1`. The call holds an upper bound of its cost, then charges the usage the provider reports.",
  security: CUSTOMER_SECURITY,
  request: { body: jsonBody(ChatRequestSchema, "An OpenAI chat completion request") },
  responses: { 200: chatAnswer, ...errorResponses(...METERED_ERRORS) },
});

export const createChat = createRoute({
  method: "post",
  path: "/v1/chat",
  tags: ["Chat"],
  operationId: "createChat",
  summary: "Chat (original shape)",
  description: "`{provider, model, messages, ...}`: the same call and answer as /v1/chat/completions.",
  security: CUSTOMER_SECURITY,
  request: { body: jsonBody(LegacyChatRequestSchema, "A chat request naming its provider") },
  responses: { 200: chatAnswer, ...errorResponses(...METERED_ERRORS) },
});
