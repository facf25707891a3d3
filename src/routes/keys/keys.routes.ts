import { createRoute, z } from "@hono/zod-openapi";
import { BODY_ERRORS, errorResponses, jsonContent } from "../../lib/openapi.ts";
import { KEY_HOLDER_SECURITY } from "../security.ts";
import { ApiKeySchema, ApiKeyWithSecretSchema, KeyIdParamsSchema, KeyNameSchema } from "./keys.schemas.ts";

const AUTH_ERRORS = ["MISSING_API_KEY", "INVALID_API_KEY", "FORBIDDEN", "RATE_LIMITED", "STORE_UNAVAILABLE"] as const;
const tags = ["Keys"];

export const listKeys = createRoute({
  method: "get",
  path: "/v1/keys",
  tags,
  operationId: "listKeys",
  summary: "List your API keys",
  description: "Every key of your account, revoked ones included. Secrets are never shown again.",
  security: KEY_HOLDER_SECURITY,
  responses: {
    200: jsonContent(z.object({ object: z.literal("list"), data: z.array(ApiKeySchema) }), "Your keys"),
    ...errorResponses(...AUTH_ERRORS),
  },
});

export const createKey = createRoute({
  method: "post",
  path: "/v1/keys",
  tags,
  operationId: "createKey",
  summary: "Create an API key",
  description: "The answer holds the secret `key`, shown this once.",
  security: KEY_HOLDER_SECURITY,
  request: {
    body: { required: false, content: { "application/json": { schema: KeyNameSchema } } },
  },
  responses: {
    201: jsonContent(ApiKeyWithSecretSchema, "The new key, with its secret"),
    ...errorResponses(...AUTH_ERRORS, ...BODY_ERRORS),
  },
});

export const rotateKey = createRoute({
  method: "post",
  path: "/v1/keys/{id}/rotate",
  tags,
  operationId: "rotateKey",
  summary: "Rotate an API key",
  description: "Issues a new secret for the key: the new one works at once, the old one stops.",
  security: KEY_HOLDER_SECURITY,
  request: { params: KeyIdParamsSchema },
  responses: {
    200: jsonContent(ApiKeyWithSecretSchema, "The key with its new secret"),
    ...errorResponses(...AUTH_ERRORS, "NOT_FOUND"),
  },
});

export const revokeKey = createRoute({
  method: "delete",
  path: "/v1/keys/{id}",
  tags,
  operationId: "revokeKey",
  summary: "Revoke an API key",
  description: "The key stops working at once. Revoking twice is harmless.",
  security: KEY_HOLDER_SECURITY,
  request: { params: KeyIdParamsSchema },
  responses: {
    200: jsonContent(ApiKeySchema, "The revoked key"),
    ...errorResponses(...AUTH_ERRORS, "NOT_FOUND"),
  },
});
