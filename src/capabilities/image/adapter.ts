import type { ApiError } from "../../lib/errors.ts";
import type { CatalogEntry } from "../../metering/catalog-types.ts";
import type { UsageRecord } from "../../metering/pricing.ts";
import type { UpstreamRequest } from "../../metering/upstream.ts";
import type { ImageBound, ImageHold } from "./hold.ts";
import type { ImageRequest, ImagesResponse } from "./schemas.ts";

/** A provider's image generation: OpenAI's request in, OpenAI's `ImagesResponse` out, always base64. */
export interface ImageAdapter {
  /**
   * Refuses what this provider cannot do or the gateway cannot price (400 naming the field), then
   * bounds what the request can cost. Called before anything is held.
   */
  bound(request: ImageRequest, entry: CatalogEntry): ImageBound;
  /**
   * The upstream request for exactly the `hold.images` images held: one request asking for them
   * all, or one request per image for a provider that makes one per call.
   */
  buildRequest(request: ImageRequest, entry: CatalogEntry, hold: ImageHold): UpstreamRequest | UpstreamRequest[];
  /**
   * One upstream answer: the client's images and the usage billed for them, or the provider's
   * failure (a filtered image is the client's 400, and is not charged).
   */
  parseResponse(json: unknown, request: ImageRequest): { body: ImagesResponse; usage: UsageRecord } | ApiError;
}
