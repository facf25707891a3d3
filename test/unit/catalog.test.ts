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
      "openai/gpt-image-2.6-sunburst",
      "stability/stable-image-core",
      "stability/stable-image-ultra",
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

  it("prices every callable GPT image model in tokens (text, image in, image out) and Stability images per image", () => {
    for (const entry of CATALOG.filter((e) => e.kind === "image" && !isRetired(e, NOW))) {
      const { prices } = pricesInForce(entry, NOW);
      if (entry.provider === "openai") {
        for (const kind of ["input", "cached_input", "image_input", "cached_image_input", "image_output", "output"]) {
          expect(prices[kind as keyof typeof prices], `${publicId(entry)} ${kind}`).toBeDefined();
        }
      } else {
        expect(Object.keys(prices), publicId(entry)).toEqual(["images"]);
      }
    }
    expect(resolveModel("stability/stable-image-core", NOW).prices).toEqual({ images: "0.03" });
    expect(resolveModel("stability/stable-image-ultra", NOW).prices).toEqual({ images: "0.08" });
    expect(resolveModel("openai/gpt-image-2.6-sunburst", NOW).prices).toMatchObject({
      input: "5.00",
      cached_input: "1.25",
      image_input: "8.00",
      cached_image_input: "2.00",
      image_output: "30.00",
    });
  });

  it("shuts gpt-image-1-mini, gpt-image-1.5 and chatgpt-image-latest down on 2026-12-01 for gpt-image-2.6-sunburst", () => {
    const eve = Date.parse("2026-11-30T23:59:59Z");
    const day = Date.parse("2026-12-01T00:00:00Z");
    for (const id of ["openai/gpt-image-1-mini", "openai/gpt-image-1.5", "openai/chatgpt-image-latest"]) {
      expect(resolveModel(id, eve).kind).toBe("image");
      expect(() => resolveModel(id, day, "image")).toThrow(
        expect.objectContaining({
          code: "MODEL_RETIRED",
          message: expect.stringContaining("Use 'openai/gpt-image-2.6-sunburst' instead"),
        }),
      );
    }
    expect(resolveModel("openai/gpt-image-2.6-sunburst", day).id).toBe("gpt-image-2.6-sunburst");
  });
});
