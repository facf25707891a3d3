import { describe, expect, it } from "vitest";
import { musicHold } from "../../src/capabilities/music/hold.ts";
import { countCharacters } from "../../src/capabilities/speech/characters.ts";
import { speechHold } from "../../src/capabilities/speech/hold.ts";
import { findModel } from "../../src/metering/catalog.ts";
import type { CatalogEntry } from "../../src/metering/catalog-types.ts";
import { pricingConfig } from "../../src/metering/pricing.ts";

const pricing = pricingConfig({ MARGIN_MULTIPLIER: "1.8", STRIPE_PRICE_USD_PER_CREDIT: "0.01" });
const NOW = Date.parse("2026-11-30T12:00:00Z");
const model = (id: string): CatalogEntry => {
  const entry = findModel(id);
  if (!entry) throw new Error(id);
  return entry;
};

describe("characters", () => {
  it("are code points: an emoji (two UTF-16 units) is one, a combining accent is its own", () => {
    expect(countCharacters("hello")).toBe(5);
    expect(countCharacters("👋")).toBe(1);
    expect("👋".length).toBe(2);
    expect(countCharacters("e\u0301")).toBe(2);
    expect(countCharacters("你好")).toBe(2);
    expect(countCharacters("")).toBe(0);
  });
});

describe("speech and music holds are the exact charge", () => {
  it("characters x the catalog price per 1K characters, margin included, and the whole of it when cut short", () => {
    const tts = speechHold(model("openai/tts-1"), 1000, { now: NOW, pricing });
    expect(tts.micros).toBe(2_700_000); // $0.015 x 1.8 / $0.01 = 2.7 credits
    expect(tts.worstCase).toEqual({ characters: 1000 });
    expect(tts.interrupted({ streamedBytes: 0 })).toEqual({ characters: 1000 });
    expect(tts.shrink).toBeUndefined();
    expect(speechHold(model("elevenlabs/eleven_flash_v2_5"), 1, { now: NOW, pricing }).micros).toBe(9_000);
    expect(speechHold(model("elevenlabs/eleven_v3"), 1, { now: NOW, pricing }).micros).toBe(18_000);
  });

  it("input over the model's limit is a 400 on input; the limit itself is fine", () => {
    expect(speechHold(model("elevenlabs/eleven_multilingual_v2"), 10_000, { now: NOW, pricing }).micros).toBe(
      180_000_000,
    );
    expect(() => speechHold(model("elevenlabs/eleven_multilingual_v2"), 10_001, { now: NOW, pricing })).toThrow(
      expect.objectContaining({ code: "INVALID_REQUEST", param: "input" }),
    );
  });

  it("a clip costs its catalog price whatever its length", () => {
    expect(musicHold(model("stability/stable-audio-2.5"), { now: NOW, pricing })).toMatchObject({
      micros: 36_000_000,
      worstCase: { clips: 1 },
    });
    expect(musicHold(model("stability/stable-audio-2"), { now: NOW, pricing }).micros).toBe(41_400_000);
  });
});
