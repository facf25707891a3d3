import { ApiError } from "../../lib/errors.ts";
import { OpenAIErrorSchema } from "./chat.api-types.ts";

function retryAfterSeconds(headers: Headers): string {
  const ms = Number(headers.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return String(Math.ceil(ms / 1000));
  const seconds = Number(headers.get("retry-after"));
  if (Number.isFinite(seconds) && seconds > 0) return String(Math.ceil(seconds));
  return "1";
}

/**
 * Maps an OpenAI error answer to the gateway's codes. Only a 400's message reaches the client
 * (it is about the client's request); 401/403 messages can quote a masked provider key and
 * quota messages describe the operator's account, so those get the gateway's own words.
 */
export function parseOpenAIError(status: number, text: string, headers: Headers): ApiError {
  let parsed: ReturnType<typeof OpenAIErrorSchema.safeParse> | undefined;
  try {
    parsed = OpenAIErrorSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  const error = parsed?.success ? parsed.data.error : undefined;
  if (status === 400 || status === 422) {
    return new ApiError("INVALID_REQUEST", `OpenAI refused the request: ${error?.message ?? "invalid request"}`, {
      ...(error?.param ? { param: error.param } : {}),
    });
  }
  if (status === 429 && error?.code !== "insufficient_quota" && error?.type !== "insufficient_quota") {
    return new ApiError("PROVIDER_RATE_LIMITED", "OpenAI is rate limiting the gateway; retry after the delay given.", {
      headers: { "retry-after": retryAfterSeconds(headers) },
    });
  }
  if (status === 404) {
    return new ApiError("PROVIDER_ERROR", "OpenAI does not serve this model right now. Nothing was charged.", {
      retry: false,
    });
  }
  // Only an upstream 5xx (or timeout) may heal on a retry; a 401/403 or quota error is the operator's to fix.
  const retry = status >= 500 || status === 408;
  return new ApiError(
    "PROVIDER_ERROR",
    `OpenAI answered ${status}. Nothing was charged${retry ? "; retry later" : ""}.`,
    { retry },
  );
}
