import type { UpstreamProvider } from "../../metering/upstream.ts";
import { upstreamError } from "../errors.ts";
import type { ProviderDefinition } from "../types.ts";
import { elevenLabsApi } from "./api.ts";
import { extractElevenLabsError } from "./errors.ts";
import { elevenLabsSpeech } from "./speech.ts";
import { elevenLabsVoices } from "./voices.ts";

export const elevenlabs: ProviderDefinition = {
  id: "elevenlabs",
  name: "ElevenLabs",
  configured: (config) =>
    config.ELEVENLABS_API_KEY === undefined
      ? undefined
      : { apiKey: config.ELEVENLABS_API_KEY, baseUrl: config.ELEVENLABS_BASE_URL },
  create({ apiKey, baseUrl, fetch, scrub }) {
    const api = elevenLabsApi(apiKey, baseUrl);
    const upstream: UpstreamProvider = {
      id: "elevenlabs",
      name: "ElevenLabs",
      fetch,
      parseError: (status, body, headers) =>
        upstreamError("ElevenLabs", status, extractElevenLabsError(status, body), headers, scrub),
    };
    return {
      ...upstream,
      id: "elevenlabs",
      adapters: { speech: elevenLabsSpeech(api, elevenLabsVoices(api, upstream)) },
    };
  },
};
