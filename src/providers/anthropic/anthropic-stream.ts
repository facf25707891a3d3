import type { EventSourceMessage } from "eventsource-parser";
import type { ChatStream, ChatStreamStep } from "../../capabilities/chat/adapter.ts";
import type { ChatCompletionChunk } from "../../capabilities/chat/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import {
  type AnthropicStreamEvent,
  AnthropicStreamEventSchema,
  type AnthropicUsage,
  KNOWN_STREAM_EVENTS,
} from "./chat.api-types.ts";
import { completionId } from "./convert-anthropic-response.ts";
import { mergeAnthropicUsage, openAIUsage, usageFromAnthropic } from "./convert-anthropic-usage.ts";
import { mapAnthropicFinishReason } from "./map-anthropic-finish-reason.ts";

type Delta = ChatCompletionChunk["choices"][number]["delta"];

/** A tool_use block in flight: its OpenAI tool-call index, and whether any argument text was sent. */
interface ToolBlock {
  call: number;
  input: Record<string, unknown> | null | undefined;
  sentArguments: boolean;
}

const MID_STREAM_ERROR = "Anthropic failed in the middle of the answer; what was streamed is charged.";
const OVERLOADED =
  "Anthropic is overloaded and stopped in the middle of the answer; what was streamed is charged. Retry later.";

/**
 * Anthropic's stream (`message_start`, content blocks, `message_delta`, `message_stop`) as
 * OpenAI chunks: the role first, text as `content`, each tool_use block as one tool call
 * (indices 0, 1, … across the message) whose argument fragments follow, thinking never shown,
 * the finish reason at `message_delta`, the usage chunk at `message_stop`. Usage is merged as
 * it arrives; `message_delta`'s counts are cumulative and final.
 */
export function anthropicStream(now: () => number): ChatStream {
  let head: { id: string; model: string; created: number } | undefined;
  let usage: AnthropicUsage | undefined;
  let finishSent = false;
  const tools = new Map<number, ToolBlock>();

  const chunk = (delta: Delta, finishReason: string | null = null): ChatCompletionChunk => ({
    id: head?.id ?? "",
    object: "chat.completion.chunk",
    created: head?.created ?? 0,
    model: head?.model ?? "",
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  const step = (chunks: ChatCompletionChunk[], text = "", extra: Partial<ChatStreamStep> = {}): ChatStreamStep => ({
    chunks,
    ...(usage ? { usage: usageFromAnthropic(usage) } : {}),
    ...(text ? { text } : {}),
    ...extra,
  });
  /** The call failed: what was streamed is charged from the usage so far (the metered path's estimate). */
  const failure = (message: string) => step([], "", { error: new ApiError("PROVIDER_ERROR", message) });
  const merge = (reported: AnthropicUsage | null | undefined) => {
    if (reported) usage = mergeAnthropicUsage(usage ?? {}, reported);
  };
  const toolDelta = (call: number, fn: { name?: string; arguments: string }, id?: string): Delta => ({
    tool_calls: [{ index: call, ...(id ? { id, type: "function" as const } : {}), function: fn }],
  });

  function onEvent(event: AnthropicStreamEvent): ChatStreamStep {
    if (event.type === "error")
      return failure(event.error?.type === "overloaded_error" ? OVERLOADED : MID_STREAM_ERROR);
    if (event.type === "ping") return step([]);
    if (event.type === "message_start") {
      merge(event.message.usage);
      // A repeated message_start only adds usage: the client already has its role chunk.
      if (head) return step([]);
      head = { id: completionId(event.message.id), model: event.message.model, created: Math.floor(now() / 1000) };
      return step([chunk({ role: "assistant", content: "" })]);
    }
    if (!head)
      return failure("Anthropic sent a stream that did not start with its message; what was streamed is charged.");

    switch (event.type) {
      case "content_block_start": {
        const block = event.content_block;
        if (block.type === "text") return block.text ? step([chunk({ content: block.text })], block.text) : step([]);
        if (block.type !== "tool_use") return step([]);
        const call = tools.size;
        tools.set(event.index, { call, input: block.input, sentArguments: false });
        return step([chunk(toolDelta(call, { name: block.name, arguments: "" }, block.id))], block.name);
      }
      case "content_block_delta": {
        const delta = event.delta;
        if (delta.type === "text_delta")
          return delta.text ? step([chunk({ content: delta.text })], delta.text) : step([]);
        // Thinking is never shown, but Anthropic bills it as output: it counts towards the estimate
        // charged when the call is cut short (never above the held output).
        if (delta.type === "thinking_delta") return step([], delta.thinking);
        const tool = tools.get(event.index);
        // Deltas of blocks that are not client tools (signatures, server tools) stay with the gateway.
        if (delta.type !== "input_json_delta" || !tool || delta.partial_json === "") return step([]);
        tool.sentArguments = true;
        return step([chunk(toolDelta(tool.call, { arguments: delta.partial_json }))], delta.partial_json);
      }
      case "content_block_stop": {
        const tool = tools.get(event.index);
        if (!tool || tool.sentArguments) return step([]);
        // A call without arguments streams a lone "": OpenAI clients parse the arguments, so send "{}".
        tool.sentArguments = true;
        const args = JSON.stringify(tool.input ?? {});
        return step([chunk(toolDelta(tool.call, { arguments: args }))], args);
      }
      case "message_delta":
        merge(event.usage);
        finishSent = true;
        return step([chunk({}, mapAnthropicFinishReason(event.delta.stop_reason))]);
      case "message_stop": {
        // The final usage comes with message_delta: an answer without it cannot be billed as reported.
        if (!finishSent || !usage)
          return failure("Anthropic ended the answer without its usage; what was streamed is charged.");
        const usageChunk: ChatCompletionChunk = {
          ...chunk({}),
          choices: [],
          usage: openAIUsage(usageFromAnthropic(usage)),
        };
        return step([], "", { done: true, usageChunk });
      }
    }
  }

  return {
    event(message: EventSourceMessage): ChatStreamStep {
      let json: unknown;
      try {
        json = JSON.parse(message.data);
      } catch {
        return failure("Anthropic sent a malformed stream event; what was streamed is charged.");
      }
      const type = typeof json === "object" && json !== null ? (json as { type?: unknown }).type : undefined;
      // Event types newer than this adapter are read past, as the official SDK does.
      if (typeof type === "string" && !KNOWN_STREAM_EVENTS.has(type) && message.event !== "error") return step([]);
      const parsed = AnthropicStreamEventSchema.safeParse(json);
      if (!parsed.success) {
        return failure(
          message.event === "error"
            ? MID_STREAM_ERROR
            : "Anthropic sent a stream event the gateway could not read; what was streamed is charged.",
        );
      }
      return onEvent(parsed.data);
    },
    // Anthropic ends every complete stream with message_stop: an end of file before it is a cut answer.
    end: () => failure("Anthropic ended the answer early; what was streamed is charged."),
  };
}
