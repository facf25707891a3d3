import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one table of error codes: every error the gateway answers is one of these,
 * with this status, OpenAI-style `type`, and whether the same request may succeed
 * when retried (sent as `x-should-retry`, which OpenAI's SDKs obey over the status).
 */
export const ERROR_TABLE = {
  INVALID_REQUEST: { status: 400, type: "invalid_request_error", retry: false },
  INVALID_SIGNATURE: { status: 400, type: "invalid_request_error", retry: false },
  MISSING_API_KEY: { status: 401, type: "authentication_error", retry: false },
  INVALID_API_KEY: { status: 401, type: "authentication_error", retry: false },
  INVALID_ADMIN_SECRET: { status: 401, type: "authentication_error", retry: false },
  INSUFFICIENT_CREDITS: { status: 402, type: "insufficient_credits", retry: false },
  FORBIDDEN: { status: 403, type: "permission_error", retry: false },
  NOT_FOUND: { status: 404, type: "not_found_error", retry: false },
  MODEL_NOT_FOUND: { status: 404, type: "not_found_error", retry: false },
  METHOD_NOT_ALLOWED: { status: 405, type: "invalid_request_error", retry: false },
  MODEL_RETIRED: { status: 410, type: "invalid_request_error", retry: false },
  PAYLOAD_TOO_LARGE: { status: 413, type: "invalid_request_error", retry: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, type: "invalid_request_error", retry: false },
  RATE_LIMITED: { status: 429, type: "rate_limit_error", retry: true },
  PROVIDER_RATE_LIMITED: { status: 429, type: "provider_error", retry: true },
  INTERNAL_ERROR: { status: 500, type: "api_error", retry: true },
  BAD_ENVIRONMENT: { status: 500, type: "api_error", retry: false },
  PROVIDER_ERROR: { status: 502, type: "provider_error", retry: true },
  PROVIDER_NOT_CONFIGURED: { status: 503, type: "api_error", retry: false },
  BILLING_NOT_CONFIGURED: { status: 503, type: "api_error", retry: false },
  STORE_UNAVAILABLE: { status: 503, type: "api_error", retry: true },
  PROVIDER_TIMEOUT: { status: 504, type: "provider_error", retry: true },
} as const satisfies Record<string, { status: ContentfulStatusCode; type: string; retry: boolean }>;

export type ErrorCode = keyof typeof ERROR_TABLE;
export const ERROR_CODES = Object.keys(ERROR_TABLE) as [ErrorCode, ...ErrorCode[]];

export interface ApiErrorOptions {
  /** The request field at fault, for validation errors (`messages[0].content`). */
  param?: string;
  /** Extra response headers, e.g. `Retry-After` or `Allow`. */
  headers?: Record<string, string>;
  /** Overrides the table's `retry`: a PROVIDER_ERROR from an upstream 401 will not heal on a retry. */
  retry?: boolean;
  cause?: unknown;
}

/** The one error class: throw it anywhere and `onError` answers the envelope. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly param: string | undefined;
  readonly headers: Record<string, string>;
  readonly retry: boolean;

  constructor(code: ErrorCode, message: string, options: ApiErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.param = options.param;
    this.headers = options.headers ?? {};
    this.retry = options.retry ?? ERROR_TABLE[code].retry;
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
  headers.set("x-should-retry", String(error.retry));
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
