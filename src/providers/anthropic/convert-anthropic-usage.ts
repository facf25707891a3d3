import type { ChatCompletion } from "../../capabilities/chat/schemas.ts";
import type { UsageRecord } from "../../metering/pricing.ts";
import type { AnthropicUsage } from "./chat.api-types.ts";

/**
 * Field by field, a later report wins: `message_delta`'s usage is cumulative and final, but it
 * may leave out fields (and never repeats the `cache_creation` breakdown) that `message_start` gave.
 */
export function mergeAnthropicUsage(earlier: AnthropicUsage, later: AnthropicUsage): AnthropicUsage {
  return {
    input_tokens: later.input_tokens ?? earlier.input_tokens,
    output_tokens: later.output_tokens ?? earlier.output_tokens,
    cache_creation_input_tokens: later.cache_creation_input_tokens ?? earlier.cache_creation_input_tokens,
    cache_read_input_tokens: later.cache_read_input_tokens ?? earlier.cache_read_input_tokens,
    cache_creation: {
      ephemeral_5m_input_tokens:
        later.cache_creation?.ephemeral_5m_input_tokens ?? earlier.cache_creation?.ephemeral_5m_input_tokens,
      ephemeral_1h_input_tokens:
        later.cache_creation?.ephemeral_1h_input_tokens ?? earlier.cache_creation?.ephemeral_1h_input_tokens,
    },
    output_tokens_details: {
      thinking_tokens: later.output_tokens_details?.thinking_tokens ?? earlier.output_tokens_details?.thinking_tokens,
    },
  };
}

/**
 * Anthropic's counts are already disjoint: `input_tokens` excludes cache reads and writes. Cache
 * writes split by TTL (1-hour writes cost more); a total without its breakdown, or above it, is
 * billed as 5-minute writes. Thinking is inside `output_tokens` (billed at the output rate):
 * reported as `reasoning`, the rest as `output`, so that output + reasoning = output_tokens.
 */
export function usageFromAnthropic(usage: AnthropicUsage): UsageRecord {
  const oneHour = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  const fiveMinutes = usage.cache_creation?.ephemeral_5m_input_tokens ?? 0;
  const written = usage.cache_creation_input_tokens ?? fiveMinutes + oneHour;
  const output = usage.output_tokens ?? 0;
  const thinking = Math.min(usage.output_tokens_details?.thinking_tokens ?? 0, output);
  return {
    input: usage.input_tokens ?? 0,
    cached_input: usage.cache_read_input_tokens ?? 0,
    cache_write: Math.max(fiveMinutes, written - oneHour),
    cache_write_1h: oneHour,
    output: output - thinking,
    reasoning: thinking,
  };
}

/** OpenAI's usage object: prompt_tokens counts cached and cache-write tokens, completion_tokens reasoning. */
export function openAIUsage(record: UsageRecord): ChatCompletion["usage"] {
  const cached = record.cached_input ?? 0;
  const written = (record.cache_write ?? 0) + (record.cache_write_1h ?? 0);
  const reasoning = record.reasoning ?? 0;
  const prompt = (record.input ?? 0) + cached + written;
  const completion = (record.output ?? 0) + reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, cache_write_tokens: written },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}
