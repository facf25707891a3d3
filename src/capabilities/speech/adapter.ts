import type { CatalogEntry } from "../../metering/catalog-types.ts";
import type { UsageNotes } from "../../metering/meter.ts";
import type { UpstreamRequest } from "../../metering/upstream.ts";
import type { SpeechRequest, SpeechVoice } from "./schemas.ts";

/** A provider's speech: OpenAI's request in, the provider's audio bytes out. */
export interface SpeechAdapter {
  /**
   * The upstream request for exactly this speech. Anything it cannot translate (a format, a
   * voice, a speed the provider does not take) is a 400 naming the field; it runs before the hold.
   */
  buildRequest(request: SpeechRequest, entry: CatalogEntry): UpstreamRequest;
  /** Counts the answer's head reports without a price of their own, kept in the ledger entry. */
  notes?(headers: Headers): UsageNotes;
  /** The voices the model takes; a provider that lists them upstream caches the list. */
  voices(entry: CatalogEntry, options: { timeoutMs: number; requestId: string }): Promise<SpeechVoice[]>;
}
