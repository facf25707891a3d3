/** Gemini's finish reasons that mean a filter stopped the answer (genai.d.ts FinishReason). */
const FILTERED = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION",
]);

/**
 * OpenAI's finish_reason for a Gemini one. A function call ends with STOP (Gemini has no tool
 * reason), so any function call in the answer makes it `tool_calls`. Reasons OpenAI has no word
 * for (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, …) are `stop`: the SDKs know only OpenAI's set.
 */
export function mapGeminiFinishReason(reason: string, hasToolCalls: boolean): string {
  if (reason === "MAX_TOKENS") return "length";
  if (FILTERED.has(reason)) return "content_filter";
  return hasToolCalls ? "tool_calls" : "stop";
}

/** A prompt Gemini blocked before answering (`promptFeedback.blockReason`, no candidates). */
export const BLOCKED_PROMPT_FINISH = "content_filter";
