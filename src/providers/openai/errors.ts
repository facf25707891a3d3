import { parseJson, type UpstreamErrorDetail } from "../errors.ts";
import { OpenAIErrorSchema } from "./chat.api-types.ts";

const QUOTA_CODES = new Set(["insufficient_quota", "credit_balance_exhausted", "billing_hard_limit_reached"]);

/** OpenAI's `{"error": {message, type, param, code}}`; a 429 for exhausted credit is not a rate limit. */
export function extractOpenAIError(_status: number, body: string): UpstreamErrorDetail {
  const parsed = OpenAIErrorSchema.safeParse(parseJson(body));
  if (!parsed.success) return {};
  const { message, param, code, type } = parsed.data.error;
  return {
    ...(message ? { message } : {}),
    ...(param ? { param } : {}),
    quota: QUOTA_CODES.has(String(code ?? "")) || QUOTA_CODES.has(type ?? ""),
    credentials: code === "invalid_api_key",
  };
}
