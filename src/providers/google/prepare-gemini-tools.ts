import type { ChatRequest } from "../../capabilities/chat/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import type { GeminiRequest } from "./chat.api-types.ts";
import { convertToolParameters, SchemaNotSupported } from "./convert-json-schema-to-gemini.ts";

/**
 * OpenAI function tools as one Gemini `functionDeclarations` tool, and `tool_choice` as
 * `toolConfig.functionCallingConfig` (auto/none/required → AUTO/NONE/ANY, a named function →
 * ANY limited to it). `strict` has no Gemini field and is not needed to call the function.
 */
export function prepareGeminiTools(request: ChatRequest): Pick<GeminiRequest, "tools" | "toolConfig"> {
  const tools = request.tools ?? [];
  const choice = request.tool_choice;
  // Gemini has no switch for one call per turn; true is what it does anyway.
  if (request.parallel_tool_calls === false) {
    throw new ApiError("INVALID_REQUEST", "Gemini models cannot be limited to one tool call per turn.", {
      param: "parallel_tool_calls",
    });
  }
  if (tools.length === 0) {
    if (choice === undefined || choice === "none" || choice === "auto") return {};
    throw new ApiError("INVALID_REQUEST", "tool_choice needs tools to choose from.", { param: "tool_choice" });
  }

  const functionDeclarations = tools.map((tool, i) => {
    let parameters: ReturnType<typeof convertToolParameters>;
    try {
      parameters = convertToolParameters(tool.function.parameters);
    } catch (error) {
      if (!(error instanceof SchemaNotSupported)) throw error;
      throw new ApiError("INVALID_REQUEST", `Gemini cannot express this parameter schema: ${error.message}.`, {
        param: `tools[${i}].function.parameters`,
      });
    }
    return {
      name: tool.function.name,
      ...(tool.function.description ? { description: tool.function.description } : {}),
      ...(parameters ? { parameters } : {}),
    };
  });

  if (choice === undefined) return { tools: [{ functionDeclarations }] };
  if (typeof choice === "object") {
    const name = choice.function.name;
    if (!tools.some((tool) => tool.function.name === name)) {
      throw new ApiError("INVALID_REQUEST", `tool_choice names '${name}', which is not among the tools.`, {
        param: "tool_choice.function.name",
      });
    }
    return {
      tools: [{ functionDeclarations }],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [name] } },
    };
  }
  const mode = ({ auto: "AUTO", none: "NONE", required: "ANY" } as const)[choice];
  return { tools: [{ functionDeclarations }], toolConfig: { functionCallingConfig: { mode } } };
}
