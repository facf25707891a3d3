import type { ChatRequest } from "../../capabilities/chat/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import type { GeminiGenerationConfig, GeminiSchema } from "./chat.api-types.ts";
import { convertJsonSchemaToGemini, SchemaNotSupported } from "./convert-json-schema-to-gemini.ts";
import type { GeminiModelFacts } from "./gemini-models.ts";
import { thinkingConfigFor } from "./map-reasoning-effort.ts";

const invalid = (message: string, param: string) => new ApiError("INVALID_REQUEST", message, { param });

/**
 * OpenAI fields Gemini has no equivalent for, or that would change what the call costs: refused
 * with their name rather than dropped. (`n` above 1 and image/audio parts never get here: the
 * contract and the capability refuse them.)
 */
function refuseUntranslatable(request: ChatRequest): void {
  if (request.logprobs === true) throw invalid("Gemini models do not return log probabilities here.", "logprobs");
  if ((request.top_logprobs ?? 0) > 0) {
    throw invalid("Gemini models do not return log probabilities here.", "top_logprobs");
  }
  if (request.logit_bias && Object.keys(request.logit_bias).length > 0) {
    throw invalid("Gemini models have no logit bias.", "logit_bias");
  }
  if (request.prompt_cache_key !== undefined) {
    throw invalid("Gemini caches prompts by itself; it takes no cache key.", "prompt_cache_key");
  }
}

function penalties(request: ChatRequest, facts: GeminiModelFacts): Partial<GeminiGenerationConfig> {
  const config: Partial<GeminiGenerationConfig> = {};
  // 0 is the default: sending nothing does the same.
  for (const [field, key] of [
    ["presence_penalty", "presencePenalty"],
    ["frequency_penalty", "frequencyPenalty"],
  ] as const) {
    const value = request[field];
    if (value === undefined || value === 0) continue;
    if (!facts.penalties) throw invalid(`This Gemini model does not take ${field}.`, field);
    config[key] = value;
  }
  return config;
}

function schemaOf(format: Record<string, unknown>): GeminiSchema {
  const spec = format.json_schema;
  const schema = typeof spec === "object" && spec !== null ? (spec as Record<string, unknown>).schema : undefined;
  if (schema === undefined) throw invalid("response_format json_schema needs json_schema.schema.", "response_format");
  try {
    return convertJsonSchemaToGemini(schema);
  } catch (error) {
    if (!(error instanceof SchemaNotSupported)) throw error;
    throw invalid(`Gemini cannot express this response schema: ${error.message}.`, "response_format");
  }
}

/**
 * `response_format`: text is the default, json_object asks for JSON, json_schema also sends the
 * schema, translated to Gemini's OpenAPI subset as `responseSchema` (the same translation as tool
 * parameters, and the field vercel/ai sends it in; `responseJsonSchema` would take raw JSON
 * Schema, a second dialect with its own limits).
 */
function responseFormat(request: ChatRequest): Partial<GeminiGenerationConfig> {
  const format = request.response_format;
  if (format === undefined || format.type === "text") return {};
  if (format.type === "json_object") return { responseMimeType: "application/json" };
  if (format.type === "json_schema") return { responseMimeType: "application/json", responseSchema: schemaOf(format) };
  throw invalid("response_format type must be text, json_object or json_schema.", "response_format");
}

/**
 * The generationConfig. `maxOutputTokens` is the output the hold covers, never the client's own
 * field. On Gemini 2.5 and 3.x thinking is billed as output AND counted inside maxOutputTokens:
 * usage shows thoughtsTokenCount + candidatesTokenCount ≤ maxOutputTokens, thinking grows with
 * the limit and an answer can end MAX_TOKENS with nothing but thoughts (googleapis/python-genai
 * #2062 on gemini-3-flash-preview, 2026-02: 1,024 → 1,024 total, 8,192 → 7,980;
 * langchain-google#1020 and ha-llmvision#609 on gemini-2.5-flash: 3,071 thoughts + 0 for 3,072,
 * 44 + 2 for 50; python-genai#782 on 2.5 Pro; discuss.ai.google.dev 109840 on 3.0 Pro). The
 * thinking budget is only a hint (unhaya's 2026-05 measurements on 3.1 Flash-Lite; python-genai
 * #1795), so it is never relied on: the one limit sent bounds thoughts and answer together.
 */
export function geminiGenerationConfig(
  request: ChatRequest,
  facts: GeminiModelFacts,
  maxOutputTokens: number,
): GeminiGenerationConfig {
  refuseUntranslatable(request);
  const stop = (typeof request.stop === "string" ? [request.stop] : (request.stop ?? [])).filter((s) => s !== "");
  const thinkingConfig = thinkingConfigFor(request.reasoning_effort, facts.thinking);
  return {
    maxOutputTokens,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.top_p !== undefined ? { topP: request.top_p } : {}),
    ...(stop.length > 0 ? { stopSequences: stop } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...penalties(request, facts),
    ...responseFormat(request),
    ...(thinkingConfig ? { thinkingConfig } : {}),
  };
}
