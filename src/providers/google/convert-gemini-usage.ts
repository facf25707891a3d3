import type { ChatCompletion } from "../../capabilities/chat/schemas.ts";
import type { UsageRecord } from "../../metering/pricing.ts";
import type { GeminiUsage } from "./chat.api-types.ts";

function counts(usage: GeminiUsage) {
  const prompt = usage.promptTokenCount ?? 0;
  const cached = Math.min(usage.cachedContentTokenCount ?? 0, prompt);
  return {
    prompt,
    cached,
    // Built-in tools' own prompt (search, code execution) is billed as input too.
    toolUse: usage.toolUsePromptTokenCount ?? 0,
    // candidatesTokenCount leaves thinking out; thinking is billed at the output rate.
    candidates: usage.candidatesTokenCount ?? 0,
    thoughts: usage.thoughtsTokenCount ?? 0,
  };
}

/** The usage record: cachedContentTokenCount is a subset of promptTokenCount. */
export function usageFromGemini(usage: GeminiUsage): UsageRecord {
  const { prompt, cached, toolUse, candidates, thoughts } = counts(usage);
  return { input: prompt - cached + toolUse, cached_input: cached, output: candidates, reasoning: thoughts };
}

/** OpenAI's usage object: prompt_tokens includes cached tokens, completion_tokens includes reasoning. */
export function openAIUsageFromGemini(usage: GeminiUsage): ChatCompletion["usage"] {
  const { prompt, cached, toolUse, candidates, thoughts } = counts(usage);
  const promptTokens = prompt + toolUse;
  const completionTokens = candidates + thoughts;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
}
