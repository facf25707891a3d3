import type { ChatRequest } from "../../capabilities/chat/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import type { GeminiContent, GeminiPart, GeminiRequest } from "./chat.api-types.ts";
import { SKIP_SIGNATURE, signatureFromToolCallId } from "./tool-call-ids.ts";

type Message = ChatRequest["messages"][number];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A message's text. Non-text parts never get here: the capability refuses them before the hold. */
function textOf(content: Message["content"]): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : "")).join("");
}

function textParts(message: Message): GeminiPart[] {
  const parts: GeminiPart[] = [];
  if (typeof message.content === "string") parts.push({ text: message.content });
  else if (Array.isArray(message.content)) {
    for (const part of message.content) {
      if (part.type === "text" && typeof part.text === "string") parts.push({ text: part.text });
    }
  }
  // A refusal from another provider's turn is what the assistant said.
  if (message.refusal) parts.push({ text: message.refusal });
  // Gemini refuses empty text parts; "" and null say nothing (an assistant turn that only calls tools).
  return parts.filter((part) => part.text !== "");
}

function functionCallParts(message: Message, i: number, signaturesRequired: boolean): GeminiPart[] {
  const parts = (message.tool_calls ?? []).map((call, j): GeminiPart => {
    const raw = call.function.arguments;
    let args: unknown = {};
    try {
      // Some clients send "" for a call without arguments.
      if (raw.trim() !== "") args = JSON.parse(raw);
    } catch {
      args = undefined;
    }
    if (!isObject(args)) {
      throw new ApiError("INVALID_REQUEST", "Tool call arguments must be a JSON object, as a string.", {
        param: `messages[${i}].tool_calls[${j}].function.arguments`,
      });
    }
    const signature = signatureFromToolCallId(call.id);
    return { functionCall: { name: call.function.name, args }, ...(signature ? { thoughtSignature: signature } : {}) };
  });
  // Gemini 3 validates the signature of the first call of each step; a call without one (made up
  // or edited by the client, or from another model) gets Google's documented stand-in.
  const first = parts[0];
  if (signaturesRequired && first && first.thoughtSignature === undefined) first.thoughtSignature = SKIP_SIGNATURE;
  return parts;
}

/** The function a tool result answers: named by the latest earlier assistant call with that id. */
function functionNameFor(messages: readonly Message[], i: number): string {
  const id = messages[i]?.tool_call_id;
  for (let k = i - 1; id !== undefined && k >= 0; k -= 1) {
    const call = messages[k]?.tool_calls?.find((candidate) => candidate.id === id);
    if (call) return call.function.name;
  }
  throw new ApiError(
    "INVALID_REQUEST",
    "A tool message must answer a tool call made in an earlier assistant message (its tool_call_id).",
    { param: `messages[${i}].tool_call_id` },
  );
}

function functionResponsePart(messages: readonly Message[], i: number): GeminiPart {
  const text = textOf(messages[i]?.content);
  let response: Record<string, unknown> = { content: text };
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed)) response = parsed;
  } catch {
    // Plain text stays wrapped.
  }
  return { functionResponse: { name: functionNameFor(messages, i), response } };
}

/**
 * OpenAI messages as Gemini contents: system and developer messages become the system
 * instruction, user and tool turns are `user`, assistant turns `model`, and consecutive turns of
 * one role are merged (Gemini wants them alternating; parallel tool results share one turn).
 */
export function convertToGeminiContents(
  messages: readonly Message[],
  options: { signaturesRequired: boolean },
): Pick<GeminiRequest, "systemInstruction" | "contents"> {
  const system: { text: string }[] = [];
  const contents: GeminiContent[] = [];
  const add = (role: GeminiContent["role"], parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };

  messages.forEach((message, i) => {
    switch (message.role) {
      case "system":
      case "developer": {
        const text = textOf(message.content);
        if (text !== "") system.push({ text });
        break;
      }
      case "user":
        add("user", textParts(message));
        break;
      case "assistant":
        add("model", [...textParts(message), ...functionCallParts(message, i, options.signaturesRequired)]);
        break;
      case "tool":
        add("user", [functionResponsePart(messages, i)]);
        break;
    }
  });
  return { ...(system.length > 0 ? { systemInstruction: { parts: system } } : {}), contents };
}
