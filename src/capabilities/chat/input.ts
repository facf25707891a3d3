import { ApiError } from "../../lib/errors.ts";
import type { ChatBoundRequest } from "./hold.ts";
import type { ChatRequest } from "./schemas.ts";

/**
 * Every piece of text a chat request sends upstream, for its input bound. Non-text parts
 * (images, audio, files) are refused until they are priced.
 */
export function chatBoundRequest(request: ChatRequest): ChatBoundRequest {
  const texts: string[] = [];
  request.messages.forEach((message, i) => {
    if (typeof message.content === "string") texts.push(message.content);
    else if (Array.isArray(message.content)) {
      message.content.forEach((part, j) => {
        if (part.type !== "text" || typeof part.text !== "string") {
          throw new ApiError(
            "INVALID_REQUEST",
            `Content parts of type '${part.type}' are not supported yet; send text parts only.`,
            { param: `messages[${i}].content[${j}].type` },
          );
        }
        texts.push(part.text);
      });
    }
    if (message.name) texts.push(message.name);
    if (message.refusal) texts.push(message.refusal);
    for (const call of message.tool_calls ?? []) texts.push(call.id, call.function.name, call.function.arguments);
    if (message.tool_call_id) texts.push(message.tool_call_id);
  });
  if (request.tools) texts.push(JSON.stringify(request.tools));
  if (request.tool_choice && typeof request.tool_choice === "object") texts.push(JSON.stringify(request.tool_choice));
  if (request.response_format) texts.push(JSON.stringify(request.response_format));
  return {
    texts,
    messages: request.messages.length,
    hasTools: (request.tools?.length ?? 0) > 0,
    requestedMaxOutput: request.max_completion_tokens ?? request.max_tokens,
  };
}
