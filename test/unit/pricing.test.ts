import { describe, expect, it } from "vitest";
import type { CatalogEntry } from "../../src/metering/catalog-types.ts";
import {
  attoUsdToMicros,
  costAttoUsd,
  effectivePrices,
  formatUsd,
  parsePrice,
  parseRatio,
  priceUsage,
  pricingConfig,
} from "../../src/metering/pricing.ts";

const DEFAULTS = pricingConfig({ MARGIN_MULTIPLIER: "1.8", STRIPE_PRICE_USD_PER_CREDIT: "0.01" });
const usd = (decimal: string) => parsePrice(decimal) * 1_000_000n; // pico -> atto

describe("pricing", () => {
  it.each([
    ["0.002", 0.36],
    ["0.04", 7.2],
    ["0.003", 0.54],
    ["0.05", 9.0],
  ])("reproduces the original price table: $%s -> %s credits", (cost, credits) => {
    expect(attoUsdToMicros(usd(cost), DEFAULTS)).toBe(Math.round(credits * 1_000_000));
  });

  it("rounds up once, to the micro-credit", () => {
    // $0.000000001 x 1.8 / 0.01 = 0.00000018 credits = 0.18 µcr -> 1 µcr
    expect(attoUsdToMicros(usd("0.000000001"), DEFAULTS)).toBe(1);
    expect(attoUsdToMicros(0n, DEFAULTS)).toBe(0);
    // exactly representable amounts are not bumped
    expect(attoUsdToMicros(usd("1"), DEFAULTS)).toBe(180_000_000);
  });

  it("honours other margins and credit prices exactly", () => {
    const pricing = pricingConfig({ MARGIN_MULTIPLIER: "1.25", STRIPE_PRICE_USD_PER_CREDIT: "0.003" });
    // $0.03 x 1.25 / 0.003 = 12.5 credits
    expect(attoUsdToMicros(usd("0.03"), pricing)).toBe(12_500_000);
    expect(parseRatio("0.003")).toEqual({ num: 3n, den: 1000n });
  });

  it("prices tokens per 1M, characters per 1K, images and clips per unit", () => {
    const prices = { input: "0.15", cached_input: "0.075", output: "0.60", characters: "0.05", clips: "0.20" };
    expect(formatUsd(costAttoUsd(prices, { input: 1_000_000 }))).toBe("0.15");
    expect(formatUsd(costAttoUsd(prices, { input: 16, output: 300 }))).toBe("0.0001824");
    expect(formatUsd(costAttoUsd(prices, { characters: 1500 }))).toBe("0.075");
    expect(formatUsd(costAttoUsd(prices, { clips: 2 }))).toBe("0.4");
    expect(formatUsd(costAttoUsd({ "image:1024x1024:low": "0.002176" }, { "image:1024x1024:low": 3 }))).toBe(
      "0.006528",
    );
  });

  it("prices image tokens per 1M and per-image kinds per image", () => {
    // gpt-image-2.6-sunburst: text in $5, image in $8, cached image in $2, image out $30 per 1M tokens
    const prices = { input: "5.00", image_input: "8.00", cached_image_input: "2.00", image_output: "30.00" };
    expect(formatUsd(costAttoUsd(prices, { input: 17, image_output: 272 }))).toBe("0.008245");
    expect(formatUsd(costAttoUsd(prices, { image_input: 1_000_000, cached_image_input: 1_000_000 }))).toBe("10");
    expect(formatUsd(costAttoUsd({ images: "0.03" }, { images: 2 }))).toBe("0.06");
    // $0.008245 x 1.8 / $0.01 = 1.4841 credits
    expect(attoUsdToMicros(costAttoUsd(prices, { input: 17, image_output: 272 }), DEFAULTS)).toBe(1_484_100);
  });

  it("bills cached image input at the image input rate when it has no price of its own, never at the text rate", () => {
    expect(costAttoUsd({ input: "5", image_input: "8" }, { cached_image_input: 10 })).toBe(
      costAttoUsd({ image_input: "8" }, { image_input: 10 }),
    );
    expect(() => costAttoUsd({ input: "5", output: "30" }, { image_input: 1 })).toThrow(/no price/);
    expect(() => costAttoUsd({ input: "5", output: "30" }, { image_output: 1 })).toThrow(/no price/);
  });

  it("bills kinds without their own price at their base rate", () => {
    const prices = { input: "2", output: "8" };
    expect(costAttoUsd(prices, { cached_input: 10, reasoning: 10 })).toBe(
      costAttoUsd(prices, { input: 10, output: 10 }),
    );
    expect(() => costAttoUsd({ output: "1" }, { characters: 5 })).toThrow(/no price/);
  });

  it("picks dated prices and long-prompt tiers", () => {
    const entry: CatalogEntry = {
      provider: "google",
      id: "m",
      kind: "chat",
      created: "2026-01-01",
      prices: { input: "0.75", output: "3.75" },
      schedule: [{ from: "2027-01-01", prices: { input: "1.50", output: "7.50" } }],
      tiers: [{ above_input_tokens: 200_000, prices: { input: "4", output: "18" } }],
      source: "test",
    };
    const dec = Date.parse("2026-12-31T23:59:59Z");
    const jan = Date.parse("2027-01-01T00:00:00Z");
    expect(effectivePrices(entry, dec).input).toBe("0.75");
    expect(effectivePrices(entry, dec, 200_001).input).toBe("4");
    expect(effectivePrices(entry, dec, 200_000).input).toBe("0.75");
    expect(effectivePrices(entry, jan).input).toBe("1.50");
    expect(effectivePrices(entry, jan, 500_000).input).toBe("1.50");
    expect(priceUsage(entry, { input: 1_000_000 }, dec, DEFAULTS)).toMatchObject({
      cost_usd: "4",
      micros: 720_000_000,
    });
  });
});
