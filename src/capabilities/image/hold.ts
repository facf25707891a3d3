import type { CatalogEntry } from "../../metering/catalog-types.ts";
import type { Hold } from "../../metering/hold.ts";
import { type PricingConfig, priceUsage, type UsageRecord } from "../../metering/pricing.ts";

/** What an image request can cost, as its provider's adapter bounds it. */
export interface ImageBound {
  /** The dearest usage the request can be billed for: every image at the dearest size and quality it can reach. */
  readonly worstCase: UsageRecord;
  /**
   * What the provider bills for the images once it has been sent the request: the charge for a
   * call cut short (the client left while the answer was read). Never above `worstCase`.
   */
  readonly interrupted: UsageRecord;
}

/** An image call's hold: the images it pays for, which is exactly what is asked upstream. */
export interface ImageHold extends Hold {
  readonly images: number;
}

/**
 * The hold for an image call (DESIGN "Holds are upper bounds"): n × the dearest image the size
 * and quality can reach, plus the input bound, priced from the catalog. It never shrinks: the
 * client chose n, size and quality, so an unaffordable call is a 402.
 *
 * A call cut short is charged the adapter's estimate of the provider's bill, not the worst case:
 * the provider makes and bills the images whether or not the client is still there to read them
 * (an image call that succeeded upstream is charged even if the client has gone), but its input
 * is estimated (ceil(bytes ÷ 4), as DESIGN estimates chat input), not bounded. The meter never
 * charges more than the hold.
 */
export function imageHold(
  entry: CatalogEntry,
  images: number,
  bound: ImageBound,
  options: { now: number; pricing: PricingConfig },
): ImageHold {
  return {
    micros: priceUsage(entry, bound.worstCase, options.now, options.pricing).micros,
    images,
    worstCase: bound.worstCase,
    interrupted: () => bound.interrupted,
  };
}
