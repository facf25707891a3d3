import { z } from "@hono/zod-openapi";
import { ERROR_CODES, ERROR_TABLE, type ErrorCode } from "./errors.ts";

export const ErrorSchema = z
  .object({
    error: z.object({
      message: z.string().openapi({ description: "What went wrong and what to do about it" }),
      type: z.string().openapi({ example: "invalid_request_error" }),
      code: z.enum(ERROR_CODES).openapi({ description: "Stable machine-readable code" }),
      param: z
        .string()
        .optional()
        .openapi({ description: "The request field at fault", example: "messages[0].content" }),
      request_id: z.string().openapi({ example: "req_4f6c1b0e2a7d4c1f9a3e5b7d8c9e0f12" }),
    }),
  })
  .openapi("Error");

/**
 * The optional `Idempotency-Key` request header of a route whose retries must be safe: 1 to 255
 * printable ASCII characters, shown with `example`.
 */
export const idempotencyKeyHeaders = (example: string) =>
  z.object({
    "Idempotency-Key": z
      .string()
      .regex(/^[\x21-\x7e]{1,255}$/, "must be 1 to 255 printable characters")
      .optional()
      .openapi({ example }),
  });

const EXAMPLE_MESSAGES: Partial<Record<ErrorCode, string>> = {
  INVALID_REQUEST: "'messages[0].content' is required.",
  MISSING_API_KEY: "Send your API key as 'Authorization: Bearer <key>' or 'X-API-Key'.",
  INVALID_API_KEY: "The API key is not valid.",
  INSUFFICIENT_CREDITS: "This call needs 0.36 credits; your balance is 0.12 credits.",
  RATE_LIMITED: "Rate limit reached: plan 'free' allows 60 requests per minute. Retry in 12 s.",
  NOT_FOUND: "No route GET /v1/nothing. The API reference is at /docs.",
  METHOD_NOT_ALLOWED: "Method DELETE is not allowed on /health; use GET, HEAD.",
  PAYLOAD_TOO_LARGE: "The request body is larger than 1048576 bytes.",
  UNSUPPORTED_MEDIA_TYPE: "Unsupported Content-Type 'text/plain': send application/json.",
  INTERNAL_ERROR: "Internal error. Quote request id req_4f6c1b0e2a7d4c1f9a3e5b7d8c9e0f12 when you report it.",
  BAD_ENVIRONMENT: "The gateway is misconfigured: MAX_BODY_BYTES: expected a whole number.",
};

const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request",
  401: "Not authenticated",
  402: "Not enough credits",
  403: "Not allowed",
  404: "Not found",
  405: "Method not allowed",
  410: "Gone",
  413: "Payload too large",
  415: "Unsupported media type",
  429: "Too many requests",
  500: "Internal error",
  502: "Provider error",
  503: "Unavailable",
  504: "Provider timeout",
};

/**
 * The `x-ratelimit-*` headers (OpenAI's names) every key holder's answer on `/v1/*` carries;
 * RapidAPI answers carry none of them (RapidAPI's own rate-limit headers are RapidAPI's).
 */
export const RATE_LIMIT_HEADERS = {
  "x-ratelimit-limit-requests": {
    schema: { type: "string" as const },
    description: "Requests per minute your plan allows (key holders only)",
  },
  "x-ratelimit-remaining-requests": {
    schema: { type: "string" as const },
    description: "Requests left in the sliding minute once this one is counted (key holders only)",
  },
  "x-ratelimit-reset-requests": {
    schema: { type: "string" as const },
    description:
      "How long until the window has room again (a refusal) or the current minute ends, as a duration: `250ms`, `12s`, `1m0s` (key holders only)",
  },
};

/** The headers of a 429 RATE_LIMITED: when to retry, and the window's numbers. */
const RATE_LIMITED_HEADERS = {
  "retry-after": {
    schema: { type: "string" as const },
    description: "RATE_LIMITED: whole seconds to wait before retrying (at least 1)",
  },
  "retry-after-ms": {
    schema: { type: "string" as const },
    description: "RATE_LIMITED: the same, in milliseconds",
  },
  "x-should-retry": {
    schema: { type: "string" as const },
    description: "`true`: the same request may succeed when retried (OpenAI's SDKs obey it)",
  },
  ...RATE_LIMIT_HEADERS,
};

/** Codes every route can answer. */
const ALWAYS: ErrorCode[] = ["INTERNAL_ERROR", "BAD_ENVIRONMENT"];
/** Codes every route that takes a JSON body can answer. */
export const BODY_ERRORS: ErrorCode[] = ["INVALID_REQUEST", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"];

/** OpenAPI responses for the given codes, grouped by status, with one example per code. */
export function errorResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ...ALWAYS])) {
    const { status } = ERROR_TABLE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<
    number,
    {
      description: string;
      headers?: typeof RATE_LIMITED_HEADERS;
      content: {
        "application/json": { schema: typeof ErrorSchema; examples: Record<string, { value: unknown }> };
      };
    }
  > = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = {
      description: `${STATUS_DESCRIPTIONS[status] ?? "Error"}: ${group.join(", ")}`,
      ...(group.includes("RATE_LIMITED") ? { headers: RATE_LIMITED_HEADERS } : {}),
      content: {
        "application/json": {
          schema: ErrorSchema,
          examples: Object.fromEntries(
            group.map((code) => [
              code,
              {
                value: {
                  error: {
                    message: EXAMPLE_MESSAGES[code] ?? code,
                    type: ERROR_TABLE[code].type,
                    code,
                    ...(code === "INVALID_REQUEST" ? { param: "messages[0].content" } : {}),
                    request_id: "req_4f6c1b0e2a7d4c1f9a3e5b7d8c9e0f12",
                  },
                },
              },
            ]),
          ),
        },
      },
    };
  }
  return responses;
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T, description: string) {
  return { description, required: true, content: { "application/json": { schema } } };
}
