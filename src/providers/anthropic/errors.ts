import { parseJson, type UpstreamErrorDetail } from "../errors.ts";
import { AnthropicErrorSchema } from "./chat.api-types.ts";

/**
 * The gateway's Anthropic account is out of credit or over its spend limit. Anthropic says so
 * with a 400 invalid_request_error ("Your credit balance is too low…", "You have reached your
 * specified API usage limits…"), and with a 429 when a plan lacks credits for long context.
 */
const QUOTA_WORDS = /credit balance|usage limit|spend(?:ing)? limit|credits are required|extra usage is required/i;

/** Anthropic's error message starts with the request field at fault: "tools.0.custom.input_schema: …". */
const FIELD_PATH = /^([a-z_]+)(?:\.(\d+))?[\w.]*:/;

/**
 * That field in the client's OpenAI request, where it maps one to one. Message indices do not
 * (system prompts are lifted out and turns merged), and the gateway's own fields (max_tokens,
 * service_tier) were never the client's, so those name no param.
 */
function clientParam(message: string): string | undefined {
  const match = FIELD_PATH.exec(message);
  if (!match) return undefined;
  const [, field, index] = match;
  switch (field) {
    case "tools":
      return index === undefined ? "tools" : `tools[${index}]`;
    case "messages":
    case "system":
      return "messages";
    case "tool_choice":
      return "tool_choice";
    case "stop_sequences":
      return "stop";
    case "metadata":
      return "user";
    case "output_config":
      return "reasoning_effort";
    default:
      return undefined;
  }
}

/** Anthropic's `{"type":"error","error":{type,message},"request_id"}`, read for the shared policy. */
export function extractAnthropicError(status: number, body: string): UpstreamErrorDetail {
  const parsed = AnthropicErrorSchema.safeParse(parseJson(body));
  if (!parsed.success) return {};
  const { type, message } = parsed.data.error;
  const quota = type === "billing_error" || QUOTA_WORDS.test(message ?? "");
  const param = status === 400 && !quota && message ? clientParam(message) : undefined;
  return {
    ...(message ? { message } : {}),
    ...(param ? { param } : {}),
    quota,
    credentials: type === "authentication_error" || type === "permission_error",
  };
}
