import type { CatalogEntry } from "../../metering/catalog-types.ts";
import type { Hold } from "../../metering/hold.ts";
import type { MeteredSpec } from "../../metering/metered-call.ts";
import type { PricingConfig } from "../../metering/pricing.ts";
import type { UpstreamProvider, UpstreamRequest } from "../../metering/upstream.ts";
import type { SpeechAdapter } from "./adapter.ts";
import { countCharacters } from "./characters.ts";
import { speechHold } from "./hold.ts";
import { SPEECH_CONTENT_TYPES, type SpeechRequest } from "./schemas.ts";

export interface SpeechCallOptions {
  now: number;
  pricing: PricingConfig;
  resolve(entry: CatalogEntry): { provider: UpstreamProvider; adapter: SpeechAdapter } | undefined;
  providerName(entry: CatalogEntry): string;
}

/** A speech call on the metered path, whatever the provider: audio bytes, charged characters x price. */
export function speechCall(request: SpeechRequest, options: SpeechCallOptions): MeteredSpec<SpeechAdapter, Hold> {
  const characters = countCharacters(request.input);
  // Translated while the hold is computed, so a field the provider cannot take is a 400 before
  // anything is held; the request sent is that translation.
  let upstream: UpstreamRequest | undefined;
  return {
    model: request.model,
    kind: "speech",
    resolve: options.resolve,
    providerName: options.providerName,
    hold: (entry, adapter) => {
      const hold = speechHold(entry, characters, options);
      upstream = adapter.buildRequest(request, entry);
      return hold;
    },
    request: (entry, adapter) => upstream ?? adapter.buildRequest(request, entry),
    answer: (_entry, adapter) => ({
      type: "bytes",
      contentType: SPEECH_CONTENT_TYPES[request.response_format],
      usage: () => ({ characters }),
      notes: (response) => adapter.notes?.(response.headers) ?? {},
    }),
  };
}
