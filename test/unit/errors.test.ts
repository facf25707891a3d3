import { describe, expect, it } from "vitest";
import { ApiError, ERROR_TABLE, errorEnvelope, errorResponse } from "../../src/lib/errors.ts";

describe("error code table", () => {
  it("pins every code to its status and type", () => {
    const table = Object.fromEntries(
      Object.entries(ERROR_TABLE).map(([code, { status, type }]) => [code, `${status} ${type}`]),
    );
    expect(table).toEqual({
      INVALID_REQUEST: "400 invalid_request_error",
      INVALID_SIGNATURE: "400 invalid_request_error",
      MISSING_API_KEY: "401 authentication_error",
      INVALID_API_KEY: "401 authentication_error",
      INVALID_ADMIN_SECRET: "401 authentication_error",
      INSUFFICIENT_CREDITS: "402 insufficient_credits",
      FORBIDDEN: "403 permission_error",
      NOT_FOUND: "404 not_found_error",
      MODEL_NOT_FOUND: "404 not_found_error",
      METHOD_NOT_ALLOWED: "405 invalid_request_error",
      MODEL_RETIRED: "410 invalid_request_error",
      PAYLOAD_TOO_LARGE: "413 invalid_request_error",
      UNSUPPORTED_MEDIA_TYPE: "415 invalid_request_error",
      RATE_LIMITED: "429 rate_limit_error",
      PROVIDER_RATE_LIMITED: "429 provider_error",
      INTERNAL_ERROR: "500 api_error",
      BAD_ENVIRONMENT: "500 api_error",
      PROVIDER_ERROR: "502 provider_error",
      PROVIDER_NOT_CONFIGURED: "503 api_error",
      BILLING_NOT_CONFIGURED: "503 api_error",
      STORE_UNAVAILABLE: "503 api_error",
      PROVIDER_TIMEOUT: "504 provider_error",
    });
  });

  it("builds the envelope with param only when there is one", () => {
    expect(errorEnvelope(new ApiError("NOT_FOUND", "gone"), "r1")).toEqual({
      error: { message: "gone", type: "not_found_error", code: "NOT_FOUND", request_id: "r1" },
    });
    expect(errorEnvelope(new ApiError("INVALID_REQUEST", "bad", { param: "model" }), "r2").error.param).toBe("model");
  });

  it("says for every code whether a retry can help (x-should-retry, which the openai SDK obeys)", () => {
    const retryable = Object.entries(ERROR_TABLE)
      .filter(([, entry]) => entry.retry)
      .map(([code]) => code);
    expect(retryable.sort()).toEqual(
      [
        "RATE_LIMITED",
        "PROVIDER_RATE_LIMITED",
        "INTERNAL_ERROR",
        "PROVIDER_ERROR",
        "STORE_UNAVAILABLE",
        "PROVIDER_TIMEOUT",
      ].sort(),
    );
    for (const [code, entry] of Object.entries(ERROR_TABLE)) {
      expect(typeof entry.retry, code).toBe("boolean");
    }
  });

  it("sends x-should-retry from the table, or from the error when it overrides the table", () => {
    const header = (error: ApiError) => errorResponse(error, "r").headers.get("x-should-retry");
    expect(header(new ApiError("PROVIDER_NOT_CONFIGURED", "no key"))).toBe("false");
    expect(header(new ApiError("STORE_UNAVAILABLE", "down"))).toBe("true");
    expect(header(new ApiError("PROVIDER_ERROR", "upstream 503"))).toBe("true");
    expect(header(new ApiError("PROVIDER_ERROR", "upstream 401", { retry: false }))).toBe("false");
    expect(header(new ApiError("INVALID_REQUEST", "bad"))).toBe("false");
  });
});
