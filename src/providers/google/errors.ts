import { parseJson, type UpstreamErrorDetail } from "../errors.ts";
import { GeminiErrorSchema } from "./chat.api-types.ts";

/** ErrorInfo reasons that mean the gateway's own key or project is refused, whatever the status. */
const CREDENTIAL_REASONS = new Set([
  "API_KEY_INVALID",
  "API_KEY_EXPIRED",
  "API_KEY_SERVICE_BLOCKED",
  "API_KEY_IP_ADDRESS_BLOCKED",
  "API_KEY_HTTP_REFERRER_BLOCKED",
  "CONSUMER_SUSPENDED",
  "SERVICE_DISABLED",
]);

/** "34.4s" (google.protobuf.Duration in JSON) → 34.4. */
function seconds(duration: unknown): number | undefined {
  if (typeof duration !== "string") return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(duration.trim());
  return match ? Number(match[1]) : undefined;
}

/**
 * Gemini's `{"error": {code, message, status, details?}}`. A bad key is a 400 INVALID_ARGUMENT
 * with ErrorInfo API_KEY_INVALID (the gateway's fault, not the client's); a missing permission
 * is 403 PERMISSION_DENIED; FAILED_PRECONDITION is the account's state (billing, region); a 429
 * says when to retry in RetryInfo.retryDelay, and depleted prepaid credits are not a rate limit.
 */
export function extractGeminiError(_status: number, body: string): UpstreamErrorDetail {
  const parsed = GeminiErrorSchema.safeParse(parseJson(body));
  if (!parsed.success) return {};
  const { message, status, details } = parsed.data.error;
  const reasons = (details ?? []).map((detail) => detail.reason).filter((reason) => typeof reason === "string");
  const retryAfterSeconds = (details ?? [])
    .filter((detail) => String(detail["@type"] ?? "").endsWith("google.rpc.RetryInfo"))
    .map((detail) => seconds(detail.retryDelay))
    .find((value) => value !== undefined);
  return {
    ...(message ? { message } : {}),
    credentials:
      reasons.some((reason) => CREDENTIAL_REASONS.has(reason)) ||
      status === "PERMISSION_DENIED" ||
      status === "UNAUTHENTICATED",
    quota: status === "FAILED_PRECONDITION" || /credits (?:are|have been) depleted|prepay/i.test(message ?? ""),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}
