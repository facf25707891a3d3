import { z } from "zod";

/**
 * Gemini API wire types (shared/providers/WIRE.md §5; @google/genai 3.3 `genai.d.ts`), only what
 * the gateway sends and reads. Requests are camelCase JSON; unknown answer fields pass.
 */

/** A subset of OpenAPI 3.0's schema object: what `convert-json-schema-to-gemini.ts` emits. */
export interface GeminiSchema {
  type?: "string" | "number" | "integer" | "boolean" | "array" | "object" | "null";
  format?: string;
  description?: string;
  nullable?: boolean;
  enum?: string[];
  items?: GeminiSchema;
  properties?: Record<string, GeminiSchema>;
  required?: string[];
  minLength?: number;
  anyOf?: GeminiSchema[];
}

export interface GeminiFunctionCall {
  name: string;
  args: Record<string, unknown>;
}

export interface GeminiPart {
  text?: string;
  functionCall?: GeminiFunctionCall;
  functionResponse?: { name: string; response: Record<string, unknown> };
  thoughtSignature?: string;
}

export interface GeminiContent {
  role: "user" | "model";
  parts: GeminiPart[];
}

export type GeminiThinkingLevel = "MINIMAL" | "LOW" | "MEDIUM" | "HIGH";

export interface GeminiThinkingConfig {
  thinkingLevel?: GeminiThinkingLevel;
  thinkingBudget?: number;
}

export interface GeminiGenerationConfig {
  maxOutputTokens: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseSchema?: GeminiSchema;
  thinkingConfig?: GeminiThinkingConfig;
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: GeminiSchema;
}

export interface GeminiToolConfig {
  functionCallingConfig: { mode: "AUTO" | "NONE" | "ANY"; allowedFunctionNames?: string[] };
}

export interface GeminiRequest {
  systemInstruction?: { parts: { text: string }[] };
  contents: GeminiContent[];
  tools?: { functionDeclarations: GeminiFunctionDeclaration[] }[];
  toolConfig?: GeminiToolConfig;
  generationConfig: GeminiGenerationConfig;
}

const count = z.number().int().nonnegative().nullish();

/** Every count is optional: stream frames may carry only some (or none) of them. */
export const GeminiUsageSchema = z
  .object({
    promptTokenCount: count,
    cachedContentTokenCount: count,
    candidatesTokenCount: count,
    toolUsePromptTokenCount: count,
    thoughtsTokenCount: count,
    totalTokenCount: count,
  })
  .passthrough();
export type GeminiUsage = z.infer<typeof GeminiUsageSchema>;

const PartSchema = z
  .object({
    text: z.string().nullish(),
    thought: z.boolean().nullish(),
    thoughtSignature: z.string().nullish(),
    functionCall: z
      .object({ name: z.string().min(1), args: z.record(z.string(), z.unknown()).nullish() })
      .passthrough()
      .nullish(),
  })
  .passthrough();
export type GeminiResponsePart = z.infer<typeof PartSchema>;

const CandidateSchema = z
  .object({
    content: z
      .object({ parts: z.array(PartSchema).nullish() })
      .passthrough()
      .nullish(),
    finishReason: z.string().nullish(),
  })
  .passthrough();
export type GeminiCandidate = z.infer<typeof CandidateSchema>;

/** One `generateContent` answer, or one `streamGenerateContent?alt=sse` frame (the same shape). */
export const GeminiResponseSchema = z
  .object({
    candidates: z.array(CandidateSchema).nullish(),
    promptFeedback: z.object({ blockReason: z.string().nullish() }).passthrough().nullish(),
    usageMetadata: GeminiUsageSchema.nullish(),
    modelVersion: z.string().nullish(),
    responseId: z.string().nullish(),
  })
  .passthrough();
export type GeminiResponse = z.infer<typeof GeminiResponseSchema>;

/** `{"error": {code, message, status, details?}}`: error answers, and a failure in mid-stream. */
export const GeminiErrorSchema = z.object({
  error: z
    .object({
      code: z.number().nullish(),
      message: z.string().nullish(),
      status: z.string().nullish(),
      details: z.array(z.record(z.string(), z.unknown())).nullish(),
    })
    .passthrough(),
});
