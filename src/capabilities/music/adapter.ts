import type { CatalogEntry } from "../../metering/catalog-types.ts";
import type { UpstreamRequest } from "../../metering/upstream.ts";
import type { MusicRequest } from "./schemas.ts";

/** A provider's music: the gateway's request in, the provider's audio bytes out. */
export interface MusicAdapter {
  /** The upstream request for exactly this clip, or a 400 naming a field it cannot translate; runs before the hold. */
  buildRequest(request: MusicRequest, entry: CatalogEntry): UpstreamRequest;
}
