import type { ChatRequest } from "../../capabilities/chat/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import type { AnthropicEffort, AnthropicRequestBody } from "./chat.api-types.ts";

type Options = Pick<AnthropicRequestBody, "stop_sequences" | "metadata" | "output_config">;

const refuse = (param: string, message: string) => new ApiError("INVALID_REQUEST", message, { param });

/**
 * OpenAI sampling and output fields on an Anthropic model.
 *
 * Accepted and dropped, because dropping them never changes the price:
 * - `temperature`, `top_p`: Anthropic removed them in API version 2026-10-21 and Sonnet 5 (and
 *   Opus 4.7 on) reject them under any version (WIRE.md §4), so the gateway never sends them;
 *   refusing them instead would break every SDK and framework that sends a default temperature.
 * - `seed`: best effort in OpenAI's own contract (no determinism guarantee); Anthropic has none.
 * (`n` > 1 never gets here: the contract only accepts 1.)
 *
 * Refused with 400 naming the field, because they ask for something Anthropic cannot give or
 * would change what the call costs: log probabilities, logit bias, presence and frequency
 * penalties, JSON response modes, prompt_cache_key (Anthropic caches by explicit breakpoints),
 * and reasoning efforts below Anthropic's lowest. A value equal to OpenAI's default asks for
 * nothing and passes (LangChain and others send `presence_penalty: 0`, `logprobs: false`).
 */
export function refuseUntranslatable(request: ChatRequest): void {
  if (request.logprobs === true) throw refuse("logprobs", "Anthropic models do not return log probabilities.");
  if ((request.top_logprobs ?? 0) > 0) {
    throw refuse("top_logprobs", "Anthropic models do not return log probabilities.");
  }
  if (Object.keys(request.logit_bias ?? {}).length > 0) {
    throw refuse("logit_bias", "Anthropic models do not support logit_bias.");
  }
  for (const field of ["presence_penalty", "frequency_penalty"] as const) {
    if ((request[field] ?? 0) !== 0) throw refuse(field, `Anthropic models do not support ${field}.`);
  }
  const format = request.response_format?.type;
  if (request.response_format !== undefined && format !== "text") {
    throw refuse(
      "response_format",
      "Anthropic models have no JSON response mode on this gateway; describe the JSON in the prompt, or ask for it through a tool.",
    );
  }
  if (request.prompt_cache_key !== undefined) {
    throw refuse("prompt_cache_key", "Anthropic models do not take prompt_cache_key.");
  }
}

/**
 * `reasoning_effort` → `output_config.effort`: the same words on both sides for low…max. Effort
 * only shapes how much of `max_tokens` the model spends (thinking included, billed as output),
 * and the hold already covers all of `max_tokens`, so the price bound is unchanged. Models that
 * take no effort (Haiku 4.5, Sonnet 4.5) answer 400 in Anthropic's words, charged nothing.
 * `none` and `minimal` have no Anthropic counterpart.
 */
function effort(request: ChatRequest): AnthropicEffort | undefined {
  const asked = request.reasoning_effort;
  if (asked === undefined) return undefined;
  if (asked === "none" || asked === "minimal") {
    throw refuse(
      "reasoning_effort",
      `reasoning_effort '${asked}' has no Anthropic counterpart; use low, medium, high, xhigh or max.`,
    );
  }
  return asked;
}

/** Stop sequences, end-user id and effort in Anthropic's fields; throws for untranslatable fields. */
export function convertRequestOptions(request: ChatRequest): Options {
  refuseUntranslatable(request);
  const stop = typeof request.stop === "string" ? [request.stop] : (request.stop ?? []);
  const user = request.safety_identifier ?? request.user;
  const level = effort(request);
  return {
    ...(stop.length > 0 ? { stop_sequences: stop } : {}),
    ...(user ? { metadata: { user_id: user } } : {}),
    ...(level ? { output_config: { effort: level } } : {}),
  };
}
