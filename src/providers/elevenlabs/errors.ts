import { parseJson, type UpstreamErrorDetail } from "../errors.ts";
import { ElevenLabsErrorSchema, type ElevenLabsValidationItem } from "./error.api-types.ts";

/** ElevenLabs' wire names for the gateway's speech fields, so a 400 names the field the client sent. */
const FIELDS: Record<string, string> = {
  text: "input",
  model_id: "model",
  voice_id: "voice",
  output_format: "response_format",
  speed: "speed",
};

/** The field each of ElevenLabs' request refusals is about. */
const STATUS_FIELDS: Record<string, string> = {
  max_character_limit_exceeded: "input",
  voice_not_found: "voice",
  output_format_not_allowed: "response_format",
};

function validationDetail(items: ElevenLabsValidationItem[]): UpstreamErrorDetail {
  const [first] = items;
  const wire = first?.loc?.filter((part): part is string => typeof part === "string").at(-1);
  const param = wire === undefined ? undefined : FIELDS[wire];
  return {
    ...(first?.msg ? { message: `${param ?? wire ?? "request"}: ${first.msg}` } : {}),
    ...(param ? { param } : {}),
  };
}

/**
 * ElevenLabs' `{"detail": {status, message}}`, FastAPI's `{"detail": [...]}` and a bare
 * `{"detail": "..."}`. Its exhausted quota is a 401 (`quota_exceeded`): the operator's, not the
 * client's, and told in the gateway's words. A voice that does not exist and a format the
 * operator's plan lacks are the client's to change, whatever their status.
 */
export function extractElevenLabsError(_status: number, body: string): UpstreamErrorDetail {
  const parsed = ElevenLabsErrorSchema.safeParse(parseJson(body));
  if (!parsed.success) return {};
  const { detail } = parsed.data;
  if (typeof detail === "string") return { message: detail };
  if (Array.isArray(detail)) return validationDetail(detail);
  const code = detail.status ?? "";
  if (code === "quota_exceeded") return { quota: true };
  if (code === "invalid_api_key") return { credentials: true };
  const param = STATUS_FIELDS[code];
  if (code === "output_format_not_allowed") {
    // The provider's words name the operator's subscription tier: the client gets the gist only.
    return {
      refused: true,
      param: "response_format",
      message: "this response_format is not available here; choose another.",
    };
  }
  return {
    ...(detail.message ? { message: detail.message } : {}),
    ...(param ? { param } : {}),
    ...(code === "voice_not_found" ? { refused: true } : {}),
  };
}
