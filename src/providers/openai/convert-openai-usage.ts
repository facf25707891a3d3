import type { UsageRecord } from "../../metering/pricing.ts";
import type { OpenAIUsage } from "./chat.api-types.ts";

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
