import type { ChatAdapter } from "../../capabilities/chat/adapter.ts";
import type { ChatRequest } from "../../capabilities/chat/schemas.ts";
import { ApiError } from "../../lib/errors.ts";
import type { TokenKind } from "../../metering/catalog-types.ts";
import { anthropicStream } from "./anthropic-stream.ts";
import type { AnthropicApi } from "./api.ts";
import { type AnthropicRequestBody, AnthropicResponseSchema } from "./chat.api-types.ts";
import { convertAnthropicResponse } from "./convert-anthropic-response.ts";
import { convertRequestOptions } from "./convert-request-options.ts";
import { convertToAnthropicMessages } from "./convert-to-anthropic-messages.ts";
import { prepareAnthropicTools } from "./prepare-anthropic-tools.ts";

/** Anthropic bills cache reads and 5-minute and 1-hour cache writes, each at its own rate. */
const INPUT_KINDS: readonly TokenKind[] = ["input", "cached_input", "cache_write", "cache_write_1h"];

/**
 * The Messages request for an OpenAI chat request. Throws 400 for what cannot be translated,
 * before anything is sent (the metered path releases the hold). `max_tokens` is exactly the output
 * the hold covers, never the client's own field. `service_tier: standard_only` keeps every call
 * on Standard capacity, the rates the catalog prices (Priority Tier bills differently).
 */
export function buildAnthropicBody(request: ChatRequest, model: string, maxOutputTokens: number): AnthropicRequestBody {
  const options = convertRequestOptions(request);
  const { system, messages } = convertToAnthropicMessages(request.messages);
  return {
    model,
    max_tokens: maxOutputTokens,
    ...(system !== undefined ? { system } : {}),
    messages,
    ...prepareAnthropicTools(request),
    ...options,
    service_tier: "standard_only",
    ...(request.stream ? { stream: true as const } : {}),
  };
}

export interface AnthropicChatOptions {
  /** The clock behind `created`; injected by tests. */
  now?: () => number;
}

export function anthropicChat(api: AnthropicApi, options: AnthropicChatOptions = {}): ChatAdapter {
  const now = options.now ?? Date.now;
  return {
    inputKinds: () => INPUT_KINDS,

    buildRequest(request, entry, maxOutputTokens) {
      const body = buildAnthropicBody(request, entry.id, maxOutputTokens);
      return {
        url: api.url("/v1/messages"),
        init: { method: "POST", headers: api.headers(), body: JSON.stringify(body) },
      };
    },

    parseResponse(json) {
      const parsed = AnthropicResponseSchema.safeParse(json);
      if (!parsed.success) {
        return new ApiError(
          "PROVIDER_ERROR",
          "Anthropic sent an answer the gateway could not read. Nothing was charged.",
        );
      }
      return convertAnthropicResponse(parsed.data, Math.floor(now() / 1000));
    },

    startStream: () => anthropicStream(now),
  };
}
