import { upstreamError } from "../errors.ts";
import type { ProviderDefinition } from "../types.ts";
import { anthropicApi } from "./api.ts";
import { anthropicChat } from "./chat.ts";
import { extractAnthropicError } from "./errors.ts";

export const anthropic: ProviderDefinition = {
  id: "anthropic",
  name: "Anthropic",
  configured: (config) =>
    config.ANTHROPIC_API_KEY === undefined
      ? undefined
      : { apiKey: config.ANTHROPIC_API_KEY, baseUrl: config.ANTHROPIC_BASE_URL },
  create({ apiKey, baseUrl, fetch, scrub, config }) {
    const api = anthropicApi(apiKey, baseUrl, config.ANTHROPIC_VERSION);
    return {
      id: "anthropic",
      name: "Anthropic",
      fetch,
      parseError: (status, body, headers) =>
        upstreamError("Anthropic", status, extractAnthropicError(status, body), headers, scrub),
      adapters: { chat: anthropicChat(api) },
    };
  },
};
