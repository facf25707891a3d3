import type { CatalogEntry } from "../../metering/catalog-types.ts";
import type { Hold } from "../../metering/hold.ts";
import type { MeteredSpec } from "../../metering/metered-call.ts";
import type { PricingConfig } from "../../metering/pricing.ts";
import type { UpstreamProvider, UpstreamRequest } from "../../metering/upstream.ts";
import type { MusicAdapter } from "./adapter.ts";
import { musicHold } from "./hold.ts";
import { MUSIC_CONTENT_TYPES, type MusicRequest } from "./schemas.ts";

export interface MusicCallOptions {
  now: number;
  pricing: PricingConfig;
  resolve(entry: CatalogEntry): { provider: UpstreamProvider; adapter: MusicAdapter } | undefined;
  providerName(entry: CatalogEntry): string;
}

/** A music call on the metered path: one clip, charged the clip price. */
export function musicCall(request: MusicRequest, options: MusicCallOptions): MeteredSpec<MusicAdapter, Hold> {
  // Translated while the hold is computed, so a refusal is a 400 before anything is held.
  let upstream: UpstreamRequest | undefined;
  return {
    model: request.model,
    kind: "music",
    resolve: options.resolve,
    providerName: options.providerName,
    hold: (entry, adapter) => {
      const hold = musicHold(entry, options);
      upstream = adapter.buildRequest(request, entry);
      return hold;
    },
    request: (entry, adapter) => upstream ?? adapter.buildRequest(request, entry),
    answer: () => ({
      type: "bytes",
      contentType: MUSIC_CONTENT_TYPES[request.output_format],
      usage: () => ({ clips: 1 }),
    }),
  };
}
