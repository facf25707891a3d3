import type { ChatRequest } from "../../capabilities/chat/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import type {
  AnthropicMessage,
  AnthropicRequestBlock,
  AnthropicTextBlock,
  AnthropicToolResultBlock,
  AnthropicToolUseBlock,
} from "./chat.api-types.ts";

type ChatMessage = ChatRequest["messages"][number];
type ToolCall = NonNullable<ChatMessage["tool_calls"]>[number];

export interface AnthropicPrompt {
  system?: string;
  messages: AnthropicMessage[];
}

/**
 * Anthropic refuses empty and whitespace-only text blocks ("text content blocks must contain
 * non-whitespace text"): such text carries nothing, so it is left out rather than sent.
 */
const hasText = (text: string) => text.trim() !== "";

const textBlocks = (texts: readonly string[]): AnthropicTextBlock[] =>
  texts.filter(hasText).map((text) => ({ type: "text", text }));

/** The texts of a message's content. Non-text parts are refused by the capability already; this guards. */
function textsOf(content: ChatMessage["content"], i: number): string[] {
  if (content === null || content === undefined) return [];
  if (typeof content === "string") return [content];
  return content.map((part, j) => {
    if (part.type !== "text" || typeof part.text !== "string") {
      throw new ApiError("INVALID_REQUEST", `Content parts of type '${part.type}' are not supported yet.`, {
        param: `messages[${i}].content[${j}].type`,
      });
    }
    return part.text;
  });
}

/** Anthropic tool ids must match ^[a-zA-Z0-9_-]+$; ids minted elsewhere are mapped the same way both times. */
const toolUseId = (id: string) => id.replace(/[^a-zA-Z0-9_-]/g, "_");

function toolInput(call: ToolCall, param: string): Record<string, unknown> {
  // Some clients send "" for a call without arguments.
  if (call.function.arguments.trim() === "") return {};
  let input: unknown;
  try {
    input = JSON.parse(call.function.arguments);
  } catch {
    throw new ApiError("INVALID_REQUEST", "Tool call arguments must be a JSON object; these are not valid JSON.", {
      param,
    });
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ApiError("INVALID_REQUEST", "Tool call arguments must be a JSON object.", { param });
  }
  return input as Record<string, unknown>;
}

function toolUse(call: ToolCall, i: number, j: number): AnthropicToolUseBlock {
  return {
    type: "tool_use",
    id: toolUseId(call.id),
    name: call.function.name,
    input: toolInput(call, `messages[${i}].tool_calls[${j}].function.arguments`),
  };
}

function toolResult(message: ChatMessage, i: number): AnthropicToolResultBlock {
  if (!message.tool_call_id) {
    throw new ApiError("INVALID_REQUEST", "A tool message needs the tool_call_id of the call it answers.", {
      param: `messages[${i}].tool_call_id`,
    });
  }
  const block: AnthropicToolResultBlock = { type: "tool_result", tool_use_id: toolUseId(message.tool_call_id) };
  if (typeof message.content === "string") {
    if (hasText(message.content)) block.content = message.content;
  } else {
    const blocks = textBlocks(textsOf(message.content, i));
    if (blocks.length > 0) block.content = blocks;
  }
  return block;
}

/** An assistant turn's text: its content, else its refusal. `""` and `null` beside tool_calls send no text. */
function assistantTexts(message: ChatMessage, i: number): string[] {
  const texts = textsOf(message.content, i);
  return texts.some(hasText) || !message.refusal ? texts : [message.refusal];
}

/** Anthropic wants a turn's tool_result blocks before anything else in it. */
const toolResultsFirst = (blocks: AnthropicRequestBlock[]) => [
  ...blocks.filter((block) => block.type === "tool_result"),
  ...blocks.filter((block) => block.type !== "tool_result"),
];

/**
 * OpenAI's messages as Anthropic's: system and developer messages become the top-level `system`
 * (in order); tool results travel in a user turn; consecutive turns of one role merge, since
 * Anthropic wants user and assistant to alternate. Message `name`s have no counterpart and are
 * left out (they never change the price).
 */
export function convertToAnthropicMessages(messages: ChatRequest["messages"]): AnthropicPrompt {
  const system: string[] = [];
  const turns: AnthropicMessage[] = [];
  const push = (role: AnthropicMessage["role"], blocks: AnthropicRequestBlock[]) => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };

  messages.forEach((message, i) => {
    switch (message.role) {
      case "system":
      case "developer": {
        const text = textsOf(message.content, i).filter(hasText).join("\n");
        if (text) system.push(text);
        break;
      }
      case "user":
        push("user", textBlocks(textsOf(message.content, i)));
        break;
      case "assistant":
        push("assistant", [
          ...textBlocks(assistantTexts(message, i)),
          ...(message.tool_calls ?? []).map((call, j) => toolUse(call, i, j)),
        ]);
        break;
      case "tool":
        push("user", [toolResult(message, i)]);
        break;
    }
  });

  if (turns.length === 0) {
    throw new ApiError(
      "INVALID_REQUEST",
      "Anthropic models need at least one user or assistant message with text besides the system prompt.",
      { param: "messages" },
    );
  }
  for (const turn of turns) if (turn.role === "user") turn.content = toolResultsFirst(turn.content);
  return { ...(system.length > 0 ? { system: system.join("\n\n") } : {}), messages: turns };
}
