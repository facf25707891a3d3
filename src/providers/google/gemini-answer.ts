import type { ChatCompletion } from "../../capabilities/chat/schemas.ts";
import { randomHex } from "../../lib/crypto.ts";
import { ApiError } from "../../lib/errors.ts";
import type { UsageRecord } from "../../metering/pricing.ts";
import { type GeminiResponse, type GeminiResponsePart, GeminiResponseSchema } from "./chat.api-types.ts";
import { openAIUsageFromGemini, usageFromGemini } from "./convert-gemini-usage.ts";
import { BLOCKED_PROMPT_FINISH, mapGeminiFinishReason } from "./map-gemini-finish-reason.ts";
import { toolCallId } from "./tool-call-ids.ts";

/** An OpenAI tool call, as the answer's message and the stream's deltas carry it. */
export interface ToolCallOut {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** The answer text of some parts: thoughts (`thought: true`, summaries) are not the answer. */
export function answerText(parts: readonly GeminiResponsePart[]): string {
  return parts.map((part) => (part.thought === true ? "" : (part.text ?? ""))).join("");
}

/** The function calls among some parts, numbered from `firstIndex` within the answer. */
export function toolCallsOf(
  parts: readonly GeminiResponsePart[],
  responseId: string | null | undefined,
  firstIndex: number,
): ToolCallOut[] {
  return parts
    .flatMap((part) => (part.functionCall ? [part] : []))
    .map((part, k) => {
      const name = part.functionCall?.name ?? "";
      const args = part.functionCall?.args ?? {};
      return {
        id: toolCallId({ responseId, index: firstIndex + k, name, args, signature: part.thoughtSignature }),
        type: "function",
        function: { name, arguments: JSON.stringify(args) },
      };
    });
}

/** `chatcmpl-` + Gemini's responseId; the model is the version Gemini reports having run. */
export function completionHead(data: GeminiResponse): { id: string; model: string } {
  return { id: `chatcmpl-${data.responseId ?? randomHex(12)}`, model: data.modelVersion ?? "gemini" };
}

const unreadable = () =>
  new ApiError("PROVIDER_ERROR", "Google sent an answer the gateway could not read. Nothing was charged.");

/**
 * A generateContent answer as a `chat.completion`. A prompt Gemini blocked (promptFeedback, no
 * candidates) is answered like OpenAI's filtered answers, 200 with finish_reason
 * `content_filter` and no content, and its reported usage is charged: Google answered 200 and
 * reports the prompt tokens (its billing FAQ frees only 4xx/5xx answers), so the call was not free.
 */
export function geminiCompletion(json: unknown, now: number): { body: ChatCompletion; usage: UsageRecord } | ApiError {
  const parsed = GeminiResponseSchema.safeParse(json);
  if (!parsed.success || !parsed.data.usageMetadata) return unreadable();
  const data = parsed.data;
  const candidate = data.candidates?.[0];
  const blocked = !candidate && data.promptFeedback?.blockReason;
  if (!candidate && !blocked) return unreadable();

  const parts = candidate?.content?.parts ?? [];
  const text = answerText(parts);
  const toolCalls = toolCallsOf(parts, data.responseId, 0);
  const finish = candidate
    ? mapGeminiFinishReason(candidate.finishReason ?? "STOP", toolCalls.length > 0)
    : BLOCKED_PROMPT_FINISH;
  const usage = data.usageMetadata as NonNullable<typeof data.usageMetadata>;
  const head = completionHead(data);
  return {
    body: {
      id: head.id,
      object: "chat.completion",
      created: Math.floor(now / 1000),
      model: head.model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: text === "" ? null : text,
            refusal: null,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: finish,
        },
      ],
      usage: openAIUsageFromGemini(usage),
    },
    usage: usageFromGemini(usage),
  };
}
