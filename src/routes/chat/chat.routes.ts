import { createRoute } from "@hono/zod-openapi";
import {
  ChatCompletionSchema,
  ChatRequestSchema,
  ChatStreamSchema,
  LegacyChatRequestSchema,
} from "../../capabilities/chat/schemas.ts";
import { BODY_ERRORS, errorResponses, jsonBody } from "../../lib/openapi.ts";
import { CUSTOMER_SECURITY } from "../security.ts";

const CHAT_ERRORS = [
  ...BODY_ERRORS,
  "MISSING_API_KEY",
  "INVALID_API_KEY",
  "INSUFFICIENT_CREDITS",
  "FORBIDDEN",
  "MODEL_NOT_FOUND",
  "MODEL_RETIRED",
  "PROVIDER_ERROR",
  "PROVIDER_RATE_LIMITED",
  "PROVIDER_NOT_CONFIGURED",
  "STORE_UNAVAILABLE",
  "PROVIDER_TIMEOUT",
] as const;

const creditHeaders = {
  "x-request-id": { schema: { type: "string" as const }, description: "This call's id, also in the ledger" },
  "x-credits-charged": {
    schema: { type: "string" as const },
    description: "Credits charged for this call, exactly (plain answers only)",
  },
  "x-credits-remaining": { schema: { type: "string" as const }, description: "Credits left to spend" },
};

const chatAnswer = {
  description:
    "The completion. With `stream: true`, server-sent chunks; the stream settles before its final `data: [DONE]`.",
  headers: creditHeaders,
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
  responses: { 200: chatAnswer, ...errorResponses(...CHAT_ERRORS) },
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
  responses: { 200: chatAnswer, ...errorResponses(...CHAT_ERRORS) },
});
