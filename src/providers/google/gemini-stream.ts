import type { EventSourceMessage } from "eventsource-parser";
import type { ChatStream, ChatStreamStep } from "../../capabilities/chat/adapter.ts";
import type { ChatCompletionChunk } from "../../capabilities/chat/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import { type GeminiResponse, GeminiResponseSchema } from "./chat.api-types.ts";
import { openAIUsageFromGemini, usageFromGemini } from "./convert-gemini-usage.ts";
import { answerText, completionHead, toolCallsOf } from "./gemini-answer.ts";
import { BLOCKED_PROMPT_FINISH, mapGeminiFinishReason } from "./map-gemini-finish-reason.ts";

type Delta = ChatCompletionChunk["choices"][number]["delta"];

/** What the translation of one stream has seen so far. */
interface StreamState {
  head?: { id: string; model: string };
  responseId?: string;
  /** Function calls sent so far: the next one's index. */
  toolCalls: number;
  /** The mapped finish_reason once Gemini gave one (or blocked the prompt). */
  finish?: string;
  /** The latest value of each usage count: every frame carries running totals, never sums. */
  usage: Record<string, number>;
}

const failed = (message: string): ChatStreamStep => ({ chunks: [], error: new ApiError("PROVIDER_ERROR", message) });

function parseFrame(data: string): GeminiResponse | "error" | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof json === "object" && json !== null && "error" in json) return "error";
  const parsed = GeminiResponseSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Gemini's `streamGenerateContent?alt=sse` as `chat.completion.chunk`s: a first chunk with the
 * assistant role, content deltas (thoughts left out), one whole tool-call delta per function call
 * (Gemini sends each call whole), the finish chunk; usage is the last running total. There is no
 * terminator: the end of file completes the answer when a finish reason was seen.
 */
export function geminiStream(now: () => number): ChatStream {
  const created = Math.floor(now() / 1000);
  const state: StreamState = { toolCalls: 0, usage: {} };
  const hasUsage = () => Object.values(state.usage).some((value) => typeof value === "number");
  const usage = () => (hasUsage() ? { usage: usageFromGemini(state.usage) } : {});
  const chunk = (delta: Delta, finish: string | null = null): ChatCompletionChunk => ({
    id: state.head?.id ?? "",
    object: "chat.completion.chunk",
    created,
    model: state.head?.model ?? "",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

  return {
    event(event: EventSourceMessage): ChatStreamStep {
      const data = parseFrame(event.data);
      if (data === "error") return { ...failed("Google failed in the middle of the answer."), ...usage() };
      if (data === undefined) return { ...failed("Google sent a malformed stream event."), ...usage() };
      for (const [key, value] of Object.entries(data.usageMetadata ?? {})) {
        if (typeof value === "number") state.usage[key] = value;
      }
      const chunks: ChatCompletionChunk[] = [];
      if (!state.head) {
        state.head = completionHead(data);
        chunks.push(chunk({ role: "assistant", content: "" }));
      }
      state.responseId ??= data.responseId ?? undefined;
      if (state.finish !== undefined) return { chunks, ...usage() };

      const candidate = data.candidates?.[0];
      const parts = candidate?.content?.parts ?? [];
      let text = answerText(parts);
      if (text !== "") chunks.push(chunk({ content: text }));
      for (const call of toolCallsOf(parts, state.responseId, state.toolCalls)) {
        chunks.push(chunk({ tool_calls: [{ index: state.toolCalls, ...call }] }));
        state.toolCalls += 1;
        text += call.function.name + call.function.arguments;
      }
      if (candidate?.finishReason) state.finish = mapGeminiFinishReason(candidate.finishReason, state.toolCalls > 0);
      else if (!candidate && data.promptFeedback?.blockReason) state.finish = BLOCKED_PROMPT_FINISH;
      if (state.finish !== undefined) chunks.push(chunk({}, state.finish));
      return { chunks, ...usage(), ...(text !== "" ? { text } : {}) };
    },

    end(): ChatStreamStep {
      if (state.finish === undefined) {
        return { ...failed("Google ended the answer early; what was streamed is charged."), ...usage() };
      }
      const usageChunk: ChatCompletionChunk | undefined = hasUsage()
        ? { ...chunk({}), choices: [], usage: openAIUsageFromGemini(state.usage) }
        : undefined;
      return { chunks: [], done: true, ...usage(), ...(usageChunk ? { usageChunk } : {}) };
    },
  };
}
