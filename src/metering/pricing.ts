import { utcDay } from "../lib/time.ts";
import { type CatalogEntry, type PriceTable, type PriceTier, priceUnit, type UsageKind } from "./catalog-types.ts";

/**
 * Exact money maths. Prices are decimal strings parsed into integer pico-USD; a cost is an
 * integer count of atto-USD (1e-18 USD); conversion to micro-credits rounds up once per call.
 */

export type UsageRecord = Partial<Record<UsageKind, number>>;

const PICO_DIGITS = 12;
const ATTO_PER_USD = 10n ** 18n;

/** An exact ratio num/den from a decimal string such as "1.8" or "0.01". */
export interface Ratio {
  num: bigint;
  den: bigint;
}

export function parseRatio(decimal: string): Ratio {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(decimal);
  if (!match) throw new Error(`not a plain decimal: ${decimal}`);
  const fraction = match[2] ?? "";
  return { num: BigInt(`${match[1]}${fraction}`), den: 10n ** BigInt(fraction.length) };
}

/** "0.15" -> 150_000_000_000n pico-USD. */
export function parsePrice(decimal: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,12}))?$/.exec(decimal);
  if (!match) throw new Error(`not a USD price: ${decimal}`);
  return BigInt(match[1] as string) * 10n ** BigInt(PICO_DIGITS) + BigInt((match[2] ?? "").padEnd(PICO_DIGITS, "0"));
}

/** Kinds a provider may report without their own list price, billed at the base rate they belong to. */
const FALLBACK: Partial<Record<UsageKind, UsageKind>> = {
  cached_input: "input",
  cache_write: "input",
  cache_write_1h: "cache_write",
  reasoning: "output",
  cached_image_input: "image_input",
};

export function priceOf(prices: PriceTable, kind: UsageKind): string {
  let current: UsageKind | undefined = kind;
  while (current !== undefined) {
    const price = prices[current];
    if (price !== undefined) return price;
    current = FALLBACK[current];
  }
  throw new Error(`no price for usage kind ${kind}`);
}

/** Exact USD cost of a usage record, in atto-USD. */
export function costAttoUsd(prices: PriceTable, usage: UsageRecord): bigint {
  let total = 0n;
  for (const [kind, quantity] of Object.entries(usage) as [UsageKind, number][]) {
    if (!quantity) continue;
    if (!Number.isSafeInteger(quantity) || quantity < 0) throw new Error(`bad quantity for ${kind}: ${quantity}`);
    // pico-USD per unit block -> atto-USD per unit: x 1e6 / block size (which divides 1e6).
    total += (BigInt(quantity) * parsePrice(priceOf(prices, kind)) * 1_000_000n) / priceUnit(kind);
  }
  return total;
}

export interface PricingConfig {
  margin: Ratio;
  usdPerCredit: Ratio;
}

export function pricingConfig(config: {
  MARGIN_MULTIPLIER: string;
  STRIPE_PRICE_USD_PER_CREDIT: string;
}): PricingConfig {
  return { margin: parseRatio(config.MARGIN_MULTIPLIER), usdPerCredit: parseRatio(config.STRIPE_PRICE_USD_PER_CREDIT) };
}

/** µcr = ceil(USD x margin / USD-per-credit x 1e6), in integer maths, rounded up once. */
export function attoUsdToMicros(atto: bigint, pricing: PricingConfig): number {
  const num = atto * pricing.margin.num * pricing.usdPerCredit.den * 1_000_000n;
  const den = ATTO_PER_USD * pricing.margin.den * pricing.usdPerCredit.num;
  const micros = (num + den - 1n) / den;
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("cost out of range");
  return Number(micros);
}

/** "0.000123" from atto-USD, exact, trailing zeros trimmed. */
export function formatUsd(atto: bigint): string {
  const whole = atto / ATTO_PER_USD;
  const fraction = (atto % ATTO_PER_USD).toString().padStart(18, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The entry's prices and long-prompt tiers on the UTC day of `now` (the latest dated period applies). */
export function pricesInForce(entry: CatalogEntry, now: number): { prices: PriceTable; tiers: PriceTier[] } {
  const today = utcDay(now);
  let current = { prices: entry.prices, tiers: entry.tiers ?? [] };
  for (const period of entry.schedule ?? []) {
    if (DAY.test(period.from) && period.from <= today) current = { prices: period.prices, tiers: period.tiers ?? [] };
  }
  return current;
}

/**
 * The prices for a call at `now` whose input (all input token kinds together) is
 * `inputTokens`: those in force, or the highest long-prompt tier the input crosses.
 */
export function effectivePrices(entry: CatalogEntry, now: number, inputTokens = 0): PriceTable {
  const { prices, tiers } = pricesInForce(entry, now);
  let chosen: PriceTier | undefined;
  for (const tier of tiers) {
    if (inputTokens > tier.above_input_tokens && (!chosen || tier.above_input_tokens > chosen.above_input_tokens)) {
      chosen = tier;
    }
  }
  return chosen?.prices ?? prices;
}

export const INPUT_KINDS = ["input", "cached_input", "cache_write", "cache_write_1h"] as const;

export function inputTokensOf(usage: UsageRecord): number {
  return INPUT_KINDS.reduce((sum, kind) => sum + (usage[kind] ?? 0), 0);
}

export interface Priced {
  micros: number;
  atto_usd: bigint;
  cost_usd: string;
}

/** What a usage record costs at `now`, in µcr, with the provider's USD cost for the ledger. */
export function priceUsage(entry: CatalogEntry, usage: UsageRecord, now: number, pricing: PricingConfig): Priced {
  const atto = costAttoUsd(effectivePrices(entry, now, inputTokensOf(usage)), usage);
  return { micros: attoUsdToMicros(atto, pricing), atto_usd: atto, cost_usd: formatUsd(atto) };
}
