import { upstreamError } from "../errors.ts";
import type { ProviderDefinition } from "../types.ts";
import { openAIApi } from "./api.ts";
import { openAIChat } from "./chat.ts";
import { extractOpenAIError } from "./errors.ts";
import { openAIImage } from "./image.ts";
import { openAISpeech } from "./speech.ts";

export const openai: ProviderDefinition = {
  id: "openai",
  name: "OpenAI",
  configured: (config) =>
    config.OPENAI_API_KEY === undefined
      ? undefined
      : { apiKey: config.OPENAI_API_KEY, baseUrl: config.OPENAI_BASE_URL },
  create({ apiKey, baseUrl, fetch, scrub }) {
    const api = openAIApi(apiKey, baseUrl);
    return {
      id: "openai",
      name: "OpenAI",
      fetch,
      parseError: (status, body, headers) =>
        upstreamError("OpenAI", status, extractOpenAIError(status, body), headers, scrub),
      adapters: { chat: openAIChat(api), image: openAIImage(api), speech: openAISpeech(api) },
    };
  },
};
