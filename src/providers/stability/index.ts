import { upstreamError } from "../errors.ts";
import type { ProviderDefinition } from "../types.ts";
import { stabilityApi } from "./api.ts";
import { extractStabilityError } from "./errors.ts";
import { stabilityMusic } from "./music.ts";

export const stability: ProviderDefinition = {
  id: "stability",
  name: "Stability AI",
  configured: (config) =>
    config.STABILITY_API_KEY === undefined
      ? undefined
      : { apiKey: config.STABILITY_API_KEY, baseUrl: config.STABILITY_BASE_URL },
  create({ apiKey, baseUrl, fetch, scrub }) {
    const api = stabilityApi(apiKey, baseUrl);
    return {
      id: "stability",
      name: "Stability AI",
      fetch,
      parseError: (status, body, headers) =>
        upstreamError("Stability AI", status, extractStabilityError(status, body), headers, scrub),
      adapters: { music: stabilityMusic(api) },
    };
  },
};
