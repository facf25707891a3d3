import { describe, expect, it } from "vitest";
import { CATALOG, findModel, isRetired, publicId, resolveModel } from "../../src/metering/catalog.ts";
import { parsePrice, pricesInForce } from "../../src/metering/pricing.ts";

const NOW = Date.parse("2026-11-24T12:00:00Z");

describe("model catalog", () => {
  it("has unique public ids and parseable prices", () => {
    const ids = CATALOG.map(publicId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of CATALOG) {
      const tables = [
        entry.prices,
        ...(entry.tiers ?? []).map((t) => t.prices),
        ...(entry.schedule ?? []).map((p) => p.prices),
      ];
      for (const table of tables)
        for (const price of Object.values(table)) expect(() => parsePrice(price as string)).not.toThrow();
    }
  });

  it("prices every model that can still be called, and bills reasoning like output", () => {
    for (const entry of CATALOG.filter((e) => !isRetired(e, NOW))) {
      const { prices } = pricesInForce(entry, NOW);
      expect(Object.keys(prices).length, publicId(entry)).toBeGreaterThan(0);
      if (entry.kind === "chat") {
        expect(prices.input, publicId(entry)).toBeDefined();
        expect(prices.reasoning, publicId(entry)).toBe(prices.output);
        expect(entry.max_output_tokens, publicId(entry)).toBeGreaterThan(0);
      }
    }
  });

  it("long-prompt tiers never cost less than the base prices", () => {
    for (const entry of CATALOG) {
      for (const tier of entry.tiers ?? []) {
        for (const [kind, price] of Object.entries(entry.prices)) {
          const tierPrice = tier.prices[kind as keyof typeof tier.prices];
          expect(tierPrice, `${publicId(entry)} ${kind}`).toBeDefined();
          expect(parsePrice(tierPrice as string) >= parsePrice(price as string), `${publicId(entry)} ${kind}`).toBe(
            true,
          );
        }
      }
    }
  });

  it("names a live replacement for every model with a shutdown date", () => {
    for (const entry of CATALOG.filter((e) => e.shutdown)) {
      const replacement = findModel(entry.replacement ?? "");
      expect(replacement, publicId(entry)).toBeDefined();
      expect(replacement?.kind).toBe(entry.kind);
      expect(
        isRetired(replacement as NonNullable<typeof replacement>, Date.parse("2027-06-01T00:00:00Z")),
        publicId(entry),
      ).toBe(false);
    }
  });

  it("covers the providers and kinds the gateway sells, including older callable models", () => {
    for (const id of [
      "openai/gpt-4o-mini",
      "openai/gpt-5.4",
      "openai/gpt-6-sol",
      "anthropic/claude-sonnet-5-5",
      "anthropic/claude-haiku-4-5",
      "google/gemini-2.5-flash",
      "openai/gpt-image-1.5",
      "openai/tts-1",
      "elevenlabs/eleven_multilingual_v2",
      "stability/stable-audio-2.5",
    ]) {
      expect(resolveModel(id, NOW).id).toBe(id.split("/")[1]);
    }
  });

  it("resolves bare ids, refuses unknown ones, and retires on the shutdown day", () => {
    expect(resolveModel("gpt-4o-mini", NOW).provider).toBe("openai");
    expect(() => resolveModel("gpt-unknown", NOW)).toThrow(
      expect.objectContaining({ code: "MODEL_NOT_FOUND", param: "model" }),
    );
    expect(() => resolveModel("openai/gpt-4o-mini", NOW, "image")).toThrow(
      expect.objectContaining({ code: "MODEL_NOT_FOUND" }),
    );
    expect(() => resolveModel("openai/gpt-5", Date.parse("2026-12-11T00:00:00Z"))).toThrow(
      expect.objectContaining({ code: "MODEL_RETIRED" }),
    );
    expect(resolveModel("openai/gpt-5", Date.parse("2026-12-10T23:59:59Z")).id).toBe("gpt-5");
    expect(() => resolveModel("openai/gpt-3.5-turbo", NOW)).toThrow(/Use 'openai\/gpt-5.4-mini' instead/);
  });
});
