import { upstreamError } from "../errors.ts";
import type { ProviderDefinition } from "../types.ts";
import { stabilityApi } from "./api.ts";
import { extractStabilityError } from "./errors.ts";
import { stabilityImage } from "./image.ts";
import { stabilityMusic } from "./music.ts";

const NAME = "Stability AI";

export const stability: ProviderDefinition = {
  id: "stability",
  name: NAME,
  configured: (config) =>
    config.STABILITY_API_KEY === undefined
      ? undefined
      : { apiKey: config.STABILITY_API_KEY, baseUrl: config.STABILITY_BASE_URL },
  create({ apiKey, baseUrl, fetch, scrub, now = Date.now }) {
    const api = stabilityApi(apiKey, baseUrl);
    return {
      id: "stability",
      name: NAME,
      fetch,
      parseError: (status, body, headers) =>
        upstreamError(NAME, status, extractStabilityError(status, body), headers, scrub),
      adapters: { image: stabilityImage(api, now), music: stabilityMusic(api) },
    };
  },
};
