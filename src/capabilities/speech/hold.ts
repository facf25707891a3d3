import { ApiError } from "../../lib/errors.ts";
import { publicId } from "../../metering/catalog.ts";
import type { CatalogEntry } from "../../metering/catalog-types.ts";
import { exactHold, type Hold } from "../../metering/hold.ts";
import type { PricingConfig } from "../../metering/pricing.ts";

/**
 * A speech call's hold (DESIGN "Holds are upper bounds"): characters x price, which is also the
 * charge, and the whole charge when the call is cut short. Input over the model's limit is a 400
 * before anything is held.
 */
export function speechHold(
  entry: CatalogEntry,
  characters: number,
  options: { now: number; pricing: PricingConfig },
): Hold {
  const limit = entry.max_input_characters;
  if (limit !== undefined && characters > limit) {
    throw new ApiError(
      "INVALID_REQUEST",
      `'input' has ${characters} characters; ${publicId(entry)} takes at most ${limit} per call.`,
      { param: "input" },
    );
  }
  return exactHold(entry, { characters }, options.now, options.pricing);
}
