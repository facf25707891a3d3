import { upstreamError } from "../errors.ts";
import type { ProviderDefinition } from "../types.ts";
import { googleApi } from "./api.ts";
import { googleChat } from "./chat.ts";
import { extractGeminiError } from "./errors.ts";

export const google: ProviderDefinition = {
  id: "google",
  name: "Google",
  configured: (config) =>
    config.GOOGLE_API_KEY === undefined
      ? undefined
      : { apiKey: config.GOOGLE_API_KEY, baseUrl: config.GOOGLE_BASE_URL },
  create({ apiKey, baseUrl, fetch, scrub }) {
    return {
      id: "google",
      name: "Google",
      fetch,
      parseError: (status, body, headers) =>
        upstreamError("Google", status, extractGeminiError(status, body), headers, scrub),
      adapters: { chat: googleChat(googleApi(apiKey, baseUrl)) },
    };
  },
};
