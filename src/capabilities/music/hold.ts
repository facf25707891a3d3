import type { CatalogEntry } from "../../metering/catalog-types.ts";
import { exactHold, type Hold } from "../../metering/hold.ts";
import type { PricingConfig } from "../../metering/pricing.ts";

/** A music call's hold (DESIGN "Holds are upper bounds"): the clip price, which is also the charge. */
export function musicHold(entry: CatalogEntry, options: { now: number; pricing: PricingConfig }): Hold {
  return exactHold(entry, { clips: 1 }, options.now, options.pricing);
}
