import type { EventSourceMessage } from "eventsource-parser";
import type { ChatAdapter, ChatStream, ChatStreamStep } from "../../capabilities/chat/adapter.ts";
import type { ChatCompletion } from "../../capabilities/chat/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import type { TokenKind } from "../../metering/catalog-types.ts";
import type { OpenAIApi } from "./api.ts";
import { OpenAIChatCompletionSchema, OpenAIChunkSchema } from "./chat.api-types.ts";
import { usageFromOpenAI } from "./convert-openai-usage.ts";

const INPUT_KINDS: readonly TokenKind[] = ["input", "cached_input", "cache_write"];

/** The client's output limits: replaced by the one the hold covers. */
const OUTPUT_LIMITS = ["max_tokens", "max_completion_tokens"] as const;

function streamText(chunk: ReturnType<typeof OpenAIChunkSchema.parse>): string {
  let text = "";
  for (const choice of chunk.choices ?? []) {
    text += choice.delta?.content ?? "";
    text += choice.delta?.refusal ?? "";
    for (const call of choice.delta?.tool_calls ?? []) {
      text += (call.function?.name ?? "") + (call.function?.arguments ?? "");
    }
  }
  return text;
}

/** OpenAI speaks the gateway's own format: chunks pass through byte for byte. */
function openAIStream(): ChatStream {
  return {
    event(event: EventSourceMessage): ChatStreamStep {
      if (event.data === "[DONE]") return { chunks: [], done: true };
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch {
        return { chunks: [], error: new ApiError("PROVIDER_ERROR", "OpenAI sent a malformed stream event.") };
      }
      const chunk = OpenAIChunkSchema.safeParse(json);
      if (event.event === "error" || !chunk.success || chunk.data.error !== undefined) {
        return { chunks: [], error: new ApiError("PROVIDER_ERROR", "OpenAI failed in the middle of the answer.") };
      }
      const { choices = [], usage } = chunk.data;
      const text = streamText(chunk.data);
      const isUsageChunk = usage != null && choices.length === 0;
      return {
        chunks: isUsageChunk ? [] : [event.data],
        ...(isUsageChunk ? { usageChunk: event.data } : {}),
        ...(usage ? { usage: usageFromOpenAI(usage) } : {}),
        ...(text ? { text } : {}),
      };
    },
    // OpenAI ends every complete stream with [DONE]: an end of file before it is a broken answer.
    end: () => ({
      chunks: [],
      error: new ApiError("PROVIDER_ERROR", "The provider ended the answer early; what was streamed is charged."),
    }),
  };
}

export function openAIChat(api: OpenAIApi): ChatAdapter {
  return {
    inputKinds: () => INPUT_KINDS,

    buildRequest(request, entry, maxOutputTokens) {
      const { model: _model, stream, stream_options: _options, ...rest } = request;
      const body: Record<string, unknown> = { ...rest, model: entry.id };
      for (const field of OUTPUT_LIMITS) delete body[field];
      // Exactly the output the hold covers, in the one field every current model takes.
      body.max_completion_tokens = maxOutputTokens;
      if (stream) {
        body.stream = true;
        // Always ask for usage: the gateway meters from it and strips it when the client did not ask.
        body.stream_options = { include_usage: true };
      }
      return {
        url: api.url("/chat/completions"),
        init: { method: "POST", headers: api.headers(), body: JSON.stringify(body) },
      };
    },

    parseResponse(json) {
      const parsed = OpenAIChatCompletionSchema.safeParse(json);
      if (!parsed.success) {
        return new ApiError("PROVIDER_ERROR", "OpenAI sent an answer the gateway could not read. Nothing was charged.");
      }
      return { body: parsed.data as ChatCompletion, usage: usageFromOpenAI(parsed.data.usage) };
    },

    startStream: openAIStream,
  };
}
