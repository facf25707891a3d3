import type { CatalogEntry } from "../../metering/catalog-types.ts";
import type { JsonPart, MeteredSpec } from "../../metering/metered-call.ts";
import type { PricingConfig, UsageRecord } from "../../metering/pricing.ts";
import type { UpstreamProvider } from "../../metering/upstream.ts";
import type { ImageAdapter } from "./adapter.ts";
import { type ImageHold, imageHold } from "./hold.ts";
import type { ImageRequest, ImagesResponse } from "./schemas.ts";

export interface ImageCallOptions {
  now: number;
  pricing: PricingConfig;
  resolve(entry: CatalogEntry): { provider: UpstreamProvider; adapter: ImageAdapter } | undefined;
  providerName(entry: CatalogEntry): string;
}

/** An image generation on the metered path, whatever the provider: settled from each answer's usage. */
export function imageCall(request: ImageRequest, options: ImageCallOptions): MeteredSpec<ImageAdapter, ImageHold> {
  const images = request.n ?? 1;
  return {
    model: request.model,
    kind: "image",
    resolve: options.resolve,
    providerName: options.providerName,
    hold: (entry, adapter) => imageHold(entry, images, adapter.bound(request, entry), options),
    request: (entry, adapter, hold) => adapter.buildRequest(request, entry, hold),
    answer: (_entry, adapter) => ({
      type: "json",
      read: (json) => adapter.parseResponse(json, request),
      merge: mergeImages,
    }),
  };
}

/** Answers of one call made of several requests, in order: one body with all their images, their usage summed. */
export function mergeImages(parts: JsonPart[]): JsonPart {
  const bodies = parts.map((part) => part.body as ImagesResponse);
  const usage: UsageRecord = {};
  for (const part of parts) {
    for (const [kind, quantity] of Object.entries(part.usage) as [keyof UsageRecord, number][]) {
      usage[kind] = (usage[kind] ?? 0) + quantity;
    }
  }
  // A provider's own usage figures describe one answer each: the merged body carries none.
  const { usage: _one, ...first } = bodies[0] as ImagesResponse;
  return { body: { ...first, data: bodies.flatMap((body) => body.data) }, usage };
}
