import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one table of error codes: every error the gateway answers is one of these,
 * with this status and OpenAI-style `type`.
 */
export const ERROR_TABLE = {
  INVALID_REQUEST: { status: 400, type: "invalid_request_error" },
  INVALID_SIGNATURE: { status: 400, type: "invalid_request_error" },
  MISSING_API_KEY: { status: 401, type: "authentication_error" },
  INVALID_API_KEY: { status: 401, type: "authentication_error" },
  INVALID_ADMIN_SECRET: { status: 401, type: "authentication_error" },
  INSUFFICIENT_CREDITS: { status: 402, type: "insufficient_credits" },
  FORBIDDEN: { status: 403, type: "permission_error" },
  NOT_FOUND: { status: 404, type: "not_found_error" },
  MODEL_NOT_FOUND: { status: 404, type: "not_found_error" },
  METHOD_NOT_ALLOWED: { status: 405, type: "invalid_request_error" },
  MODEL_RETIRED: { status: 410, type: "invalid_request_error" },
  PAYLOAD_TOO_LARGE: { status: 413, type: "invalid_request_error" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, type: "invalid_request_error" },
  RATE_LIMITED: { status: 429, type: "rate_limit_error" },
  PROVIDER_RATE_LIMITED: { status: 429, type: "provider_error" },
  INTERNAL_ERROR: { status: 500, type: "api_error" },
  BAD_ENVIRONMENT: { status: 500, type: "api_error" },
  PROVIDER_ERROR: { status: 502, type: "provider_error" },
  PROVIDER_NOT_CONFIGURED: { status: 503, type: "api_error" },
  BILLING_NOT_CONFIGURED: { status: 503, type: "api_error" },
  STORE_UNAVAILABLE: { status: 503, type: "api_error" },
  PROVIDER_TIMEOUT: { status: 504, type: "provider_error" },
} as const satisfies Record<string, { status: ContentfulStatusCode; type: string }>;

export type ErrorCode = keyof typeof ERROR_TABLE;
export const ERROR_CODES = Object.keys(ERROR_TABLE) as [ErrorCode, ...ErrorCode[]];

export interface ApiErrorOptions {
  /** The request field at fault, for validation errors (`messages[0].content`). */
  param?: string;
  /** Extra response headers, e.g. `Retry-After` or `Allow`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** The one error class: throw it anywhere and `onError` answers the envelope. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly param: string | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: ApiErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.param = options.param;
    this.headers = options.headers ?? {};
  }

  get status(): ContentfulStatusCode {
    return ERROR_TABLE[this.code].status;
  }

  get type(): string {
    return ERROR_TABLE[this.code].type;
  }
}

export interface ErrorEnvelope {
  error: {
    message: string;
    type: string;
    code: ErrorCode;
    param?: string;
    request_id: string;
  };
}

export function errorEnvelope(error: ApiError, requestId: string): ErrorEnvelope {
  return {
    error: {
      message: error.message,
      type: error.type,
      code: error.code,
      ...(error.param === undefined ? {} : { param: error.param }),
      request_id: requestId,
    },
  };
}

export function errorResponse(error: ApiError, requestId: string): Response {
  const headers = new Headers(error.headers);
  headers.set("content-type", "application/json; charset=UTF-8");
  headers.set("x-request-id", requestId);
  return new Response(JSON.stringify(errorEnvelope(error, requestId)), {
    status: error.status,
    headers,
  });
}

/** Codes for statuses that Hono itself raises (`HTTPException`), e.g. the validator's malformed JSON. */
const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: "INVALID_REQUEST",
  401: "MISSING_API_KEY",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
};

export function codeForStatus(status: number): ErrorCode {
  return CODE_BY_STATUS[status] ?? "INTERNAL_ERROR";
}
