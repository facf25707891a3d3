/** The shapes of the model catalog. The data lives in catalog-data.ts; prices are list prices in USD. */

export type Provider = "openai" | "anthropic" | "google" | "elevenlabs" | "stability";
export type ModelKind = "chat" | "image" | "speech" | "music";

export type TokenKind =
  | "input"
  | "cached_input"
  | "cache_write"
  | "cache_write_1h"
  | "output"
  | "reasoning"
  | "image_input"
  | "cached_image_input"
  | "image_output";

/**
 * What a call consumed. Token kinds are disjoint: `input` excludes cached and cache-write tokens,
 * `output` excludes `reasoning`; `input` and `output` are text, and GPT image models bill image
 * tokens apart (`image_input`, `cached_image_input`, `image_output`). Images priced per image are
 * `images` (any size), or keyed `image:<size>:<quality>` (e.g. `image:1024x1024:high`).
 */
export type UsageKind = TokenKind | "characters" | "seconds" | "clips" | "images" | `image:${string}:${string}`;

/** USD as a decimal string ("0.15"), per PRICE_UNITS of its kind: never a float. */
export type PriceTable = Partial<Record<UsageKind, string>>;

/** How many units one price covers: token prices are per 1M tokens, characters per 1K. */
export function priceUnit(kind: UsageKind): bigint {
  switch (kind) {
    case "input":
    case "cached_input":
    case "cache_write":
    case "cache_write_1h":
    case "output":
    case "reasoning":
    case "image_input":
    case "cached_image_input":
    case "image_output":
      return 1_000_000n;
    case "characters":
      return 1_000n;
    default:
      return 1n; // seconds, clips, images
  }
}

/** Long-prompt pricing: when a request's input tokens exceed the threshold, the whole request uses these prices. */
export interface PriceTier {
  above_input_tokens: number;
  prices: PriceTable;
}

/** A dated price change: from that UTC date on, `prices` and `tiers` replace the entry's own. */
export interface PricePeriod {
  from: string;
  prices: PriceTable;
  tiers?: PriceTier[];
}

export interface CatalogEntry {
  provider: Provider;
  /** The id sent upstream (`gpt-4o-mini`); the public id is `<provider>/<id>`. */
  id: string;
  kind: ModelKind;
  /** Release or listing date, YYYY-MM-DD (becomes `created` in /v1/models). */
  created: string;
  context_window?: number;
  /** Chat models: the most output tokens the provider allows per call. */
  max_output_tokens?: number;
  /** Speech models: the most characters (Unicode code points) of input the provider takes per call. */
  max_input_characters?: number;
  prices: PriceTable;
  tiers?: PriceTier[];
  schedule?: PricePeriod[];
  /** The provider's shutdown date, YYYY-MM-DD: from that day calls answer 410 MODEL_RETIRED. */
  shutdown?: string;
  /** Public id of the model to use instead, `<provider>/<id>`. */
  replacement?: string;
  /** Where the prices come from, and when they were checked. */
  source: string;
}
