import type { EventSourceMessage } from "eventsource-parser";
import { ApiError } from "../../lib/errors.ts";
import type { TokenKind } from "../../metering/catalog-types.ts";
import type { UsageRecord } from "../../metering/pricing.ts";
import type { ChatAdapter, ChatStreamState, StreamStep } from "../types.ts";
import { chatCompletionsUrl, headers } from "./api.ts";
import { OpenAIChatCompletionSchema, OpenAIChunkSchema, type OpenAIUsage } from "./chat.api-types.ts";
import { parseOpenAIError } from "./errors.ts";

const INPUT_KINDS: readonly TokenKind[] = ["input", "cached_input", "cache_write"];

/** OpenAI counts cached and cache-write tokens inside prompt_tokens and reasoning inside completion_tokens. */
export function usageFromOpenAI(usage: OpenAIUsage): UsageRecord {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    input: Math.max(0, usage.prompt_tokens - cached - written),
    cached_input: cached,
    cache_write: written,
    output: Math.max(0, usage.completion_tokens - reasoning),
    reasoning,
  };
}

export const openaiChat: ChatAdapter = {
  provider: "openai",

  apiKey: (config) => config.OPENAI_API_KEY,

  inputKinds: () => INPUT_KINDS,

  buildRequest(request, entry, { apiKey, config, maxOutputTokens }) {
    const { model: _model, stream, stream_options: _options, ...rest } = request;
    const body: Record<string, unknown> = { ...rest, model: entry.id };
    if (maxOutputTokens !== undefined) body.max_completion_tokens = maxOutputTokens;
    if (stream) {
      body.stream = true;
      // Always ask for usage: the gateway meters from it and strips it when the client did not ask.
      body.stream_options = { include_usage: true };
    }
    return {
      url: chatCompletionsUrl(config),
      init: { method: "POST", headers: headers(apiKey), body: JSON.stringify(body) },
    };
  },

  parseResponse(json) {
    const parsed = OpenAIChatCompletionSchema.safeParse(json);
    if (!parsed.success) {
      return new ApiError("PROVIDER_ERROR", "OpenAI sent an answer the gateway could not read. Nothing was charged.");
    }
    return { body: parsed.data, usage: usageFromOpenAI(parsed.data.usage) };
  },

  onStreamEvent(state: ChatStreamState, event: EventSourceMessage): StreamStep {
    if (event.data === "[DONE]") return { frames: [], done: true };
    let json: unknown;
    try {
      json = JSON.parse(event.data);
    } catch {
      return { frames: [], error: new ApiError("PROVIDER_ERROR", "OpenAI sent a malformed stream event.") };
    }
    const chunk = OpenAIChunkSchema.safeParse(json);
    if (event.event === "error" || !chunk.success || chunk.data.error !== undefined) {
      return { frames: [], error: new ApiError("PROVIDER_ERROR", "OpenAI failed in the middle of the answer.") };
    }
    const { choices = [], usage } = chunk.data;
    let text = "";
    for (const choice of choices) {
      text += choice.delta?.content ?? "";
      text += choice.delta?.refusal ?? "";
      for (const call of choice.delta?.tool_calls ?? []) {
        text += (call.function?.name ?? "") + (call.function?.arguments ?? "");
      }
    }
    const isUsageChunk = usage != null && choices.length === 0;
    return {
      frames: isUsageChunk && !state.includeUsage ? [] : [event.data],
      ...(usage ? { usage: usageFromOpenAI(usage) } : {}),
      ...(text ? { text } : {}),
    };
  },

  parseError: parseOpenAIError,
};
