import type { ChatCompletion } from "../../capabilities/chat/schemas.ts";
import type { UsageRecord } from "../../metering/pricing.ts";
import type { AnthropicResponse } from "./chat.api-types.ts";
import { openAIUsage, usageFromAnthropic } from "./convert-anthropic-usage.ts";
import { mapAnthropicFinishReason } from "./map-anthropic-finish-reason.ts";

/** OpenAI's id prefix around Anthropic's message id, so support can find the call on either side. */
export const completionId = (messageId: string) => `chatcmpl-${messageId}`;

/** A Messages answer as a `chat.completion`; thinking blocks are billed but not shown. */
export function convertAnthropicResponse(
  message: AnthropicResponse,
  created: number,
): { body: ChatCompletion; usage: UsageRecord } {
  let text: string | null = null;
  const toolCalls: { id: string; type: "function"; function: { name: string; arguments: string } }[] = [];
  for (const block of message.content) {
    if (block.type === "text") text = (text ?? "") + block.text;
    else if (block.type === "tool_use") {
      toolCalls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: JSON.stringify(block.input) },
      });
    }
  }
  const usage = usageFromAnthropic(message.usage);
  return {
    body: {
      id: completionId(message.id),
      object: "chat.completion",
      created,
      model: message.model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: text,
            refusal: null,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: mapAnthropicFinishReason(message.stop_reason),
        },
      ],
      usage: openAIUsage(usage),
    },
    usage,
  };
}
