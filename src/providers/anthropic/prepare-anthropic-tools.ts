import type { ChatRequest } from "../../capabilities/chat/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import type { AnthropicTool, AnthropicToolChoice } from "./chat.api-types.ts";

type ChatTool = NonNullable<ChatRequest["tools"]>[number];

/**
 * A function tool as Anthropic's `{name, description, input_schema}`. Anthropic wants an object
 * schema, so a missing or empty `parameters` becomes one with no properties. `strict` has no
 * counterpart under 2023-06-01 and is left out: it never changes the price.
 */
function toAnthropicTool({ function: fn }: ChatTool): AnthropicTool {
  const parameters = fn.parameters ?? {};
  return {
    name: fn.name,
    ...(fn.description ? { description: fn.description } : {}),
    input_schema:
      Object.keys(parameters).length > 0 ? { type: "object", ...parameters } : { type: "object", properties: {} },
  };
}

function toolChoice(request: ChatRequest): AnthropicToolChoice | undefined {
  const choice = request.tool_choice;
  const serial = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any", ...serial };
  if (typeof choice === "object") return { type: "tool", name: choice.function.name, ...serial };
  // "auto" is Anthropic's default too: said only when asked, or to switch parallel calls off.
  if (choice === "auto" || request.parallel_tool_calls === false) return { type: "auto", ...serial };
  return undefined;
}

/** `tools`, `tool_choice` and `parallel_tool_calls` in Anthropic's terms. */
export function prepareAnthropicTools(request: ChatRequest): {
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
} {
  const tools = request.tools ?? [];
  if (tools.length === 0) {
    if (request.tool_choice === "required" || typeof request.tool_choice === "object") {
      throw new ApiError("INVALID_REQUEST", "tool_choice asks for a tool call, but no tools were sent.", {
        param: "tool_choice",
      });
    }
    return {};
  }
  const choice = toolChoice(request);
  return { tools: tools.map(toAnthropicTool), ...(choice ? { tool_choice: choice } : {}) };
}
