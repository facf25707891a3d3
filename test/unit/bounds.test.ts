import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  boundMicros,
  chatHold,
  inputTokenBound,
  interruptedUsage,
  MIN_OUTPUT_TOKENS,
  PER_MESSAGE_TOKENS,
  PER_REQUEST_TOKENS,
  TOOLS_OVERHEAD_TOKENS,
} from "../../src/capabilities/chat/hold.ts";
import { ApiError } from "../../src/lib/errors.ts";
import { CATALOG } from "../../src/metering/catalog.ts";
import {
  attoUsdToMicros,
  costAttoUsd,
  effectivePrices,
  pricingConfig,
  type UsageRecord,
} from "../../src/metering/pricing.ts";

const pricing = pricingConfig({ MARGIN_MULTIPLIER: "1.8", STRIPE_PRICE_USD_PER_CREDIT: "0.01" });
const CHAT = CATALOG.filter((entry) => entry.kind === "chat" && entry.prices.input !== undefined);
const NOW = Date.parse("2026-11-24T12:00:00Z");
const mini = CHAT.find((entry) => entry.provider === "openai" && entry.id === "gpt-4o-mini");
if (!mini) throw new Error("gpt-4o-mini missing from the catalog");

const costOf = (entry: (typeof CHAT)[number], usage: UsageRecord, now: number) =>
  attoUsdToMicros(
    costAttoUsd(
      effectivePrices(
        entry,
        now,
        (usage.input ?? 0) + (usage.cached_input ?? 0) + (usage.cache_write ?? 0) + (usage.cache_write_1h ?? 0),
      ),
      usage,
    ),
    pricing,
  );

describe("input token bound", () => {
  it("counts UTF-8 bytes plus per-message, per-request and tool overheads", () => {
    expect(inputTokenBound({ texts: ["héllo", "日本"], messages: 2, hasTools: false })).toBe(
      6 + 6 + 2 * PER_MESSAGE_TOKENS + PER_REQUEST_TOKENS,
    );
    expect(inputTokenBound({ texts: [], messages: 1, hasTools: true })).toBe(
      PER_MESSAGE_TOKENS + PER_REQUEST_TOKENS + TOOLS_OVERHEAD_TOKENS,
    );
  });
});

describe("chat hold", () => {
  const request = { texts: ["Say hi"], messages: 1, hasTools: false };
  const options = { now: NOW, pricing, defaultMaxOutput: 4096 };

  it("holds the client's own max_tokens and never shrinks it (the 402 comes from the store)", () => {
    const hold = chatHold(mini, { ...request, requestedMaxOutput: 100 }, options);
    expect(hold).toMatchObject({ input_tokens: 6 + PER_MESSAGE_TOKENS + PER_REQUEST_TOKENS, output_tokens: 100 });
    expect(hold.micros).toBe(boundMicros(mini, NOW, hold.input_tokens, 100, pricing));
    expect(hold.shrink).toBeUndefined();
  });

  it("says the balance and the amount needed in the 402 when even the smallest output does not fit", () => {
    const hold = chatHold(mini, request, options);
    try {
      hold.shrink?.(5);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ code: "INSUFFICIENT_CREDITS" });
      expect((error as Error).message).toMatch(/needs up to [\d.]+ credits held; your balance is 0.000005 credits/);
    }
  });

  it("without max_tokens holds DEFAULT_MAX_OUTPUT_TOKENS, which is what is sent upstream", () => {
    const hold = chatHold(mini, request, options);
    expect(hold).toMatchObject({ output_tokens: 4096 });
    expect(hold.shrink?.(Number.MAX_SAFE_INTEGER)).toMatchObject({ output_tokens: 4096, micros: hold.micros });
  });

  it("shrinks the default output to what the balance affords, down to 16 tokens", () => {
    const affordable = boundMicros(mini, NOW, inputTokenBound(request), 500, pricing);
    const hold = chatHold(mini, request, options).shrink?.(affordable);
    if (!hold) throw new Error("a default hold shrinks");
    expect(hold.output_tokens).toBeGreaterThanOrEqual(500);
    expect(hold.micros).toBeLessThanOrEqual(affordable);
    expect(boundMicros(mini, NOW, hold.input_tokens, hold.output_tokens + 1, pricing)).toBeGreaterThan(affordable);
    expect(hold.shrink).toBeUndefined();
    const tooPoor = boundMicros(mini, NOW, inputTokenBound(request), MIN_OUTPUT_TOKENS, pricing) - 1;
    expect(() => chatHold(mini, request, options).shrink?.(tooPoor)).toThrow(/needs up to/);
  });

  it("caps the output at the model's limit", () => {
    const hold = chatHold(mini, { ...request, requestedMaxOutput: 10_000_000 }, options);
    expect(hold.output_tokens).toBe(mini.max_output_tokens);
  });

  it("worst case is the bound's tokens at the dearest kinds, and costs exactly the hold", () => {
    const hold = chatHold(mini, { ...request, requestedMaxOutput: 100 }, options);
    expect(costOf(mini, hold.worstCase, NOW)).toBe(hold.micros);
  });
});

describe("interrupted-call estimate", () => {
  it("without reported usage: ceil(input bytes / 4) and ceil(streamed bytes / 4), output capped at the held output", () => {
    expect(interruptedUsage({ streamedBytes: 9 }, 41, 100)).toEqual({ input: 11, output: 3 });
    expect(interruptedUsage({ streamedBytes: 4000 }, 41, 10)).toEqual({ input: 11, output: 10 });
  });

  it("reported input replaces the estimate; reported and estimated output combine, taking the larger", () => {
    // Anthropic reports input (and a placeholder output) first; 1,000 bytes then streamed.
    const early = { input: 77, cache_write: 5, output: 1 };
    expect(interruptedUsage({ reported: early, streamedBytes: 1000 }, 41, 4096)).toMatchObject({
      input: 77,
      cache_write: 5,
      output: 250,
    });
    expect(interruptedUsage({ reported: { input: 7, output: 300 }, streamedBytes: 40 }, 41, 4096)).toMatchObject({
      input: 7,
      output: 300,
    });
  });

  it("reasoning counts against the held output", () => {
    expect(interruptedUsage({ reported: { input: 5, reasoning: 60 }, streamedBytes: 400 }, 20, 100)).toEqual({
      input: 5,
      cached_input: 0,
      cache_write: 0,
      cache_write_1h: 0,
      output: 40,
      reasoning: 60,
    });
  });
});

describe("chat hold, property", () => {
  it("property: no usage the request allows costs more than its hold, for every chat model", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CHAT),
        fc.array(fc.string({ unit: "binary", maxLength: 400 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 200_000 }),
        fc.integer({ min: 0, max: 1_500_000 }),
        fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
        fc.nat(),
        fc.nat(),
        fc.date({ min: new Date("2026-11-01T00:00:00Z"), max: new Date("2027-06-30T00:00:00Z"), noInvalidDate: true }),
        (entry, texts, hasTools, maxOut, extraInput, splitWeights, outputShare, filler, when) => {
          const now = when.getTime();
          // Models priced by long prompts: let the input bound cross their tiers too.
          const req = {
            texts: [...texts, "x".repeat(extraInput % 400_000)],
            messages: texts.length,
            hasTools,
            requestedMaxOutput: maxOut,
          };
          const bound = chatHold(entry, req, { now, pricing, defaultMaxOutput: 4096 });
          // Any split of at most the bound's input into the input kinds, and of output into output/reasoning.
          const total = splitWeights.reduce((a, b) => a + b, 0) || 1;
          const inputs = Math.max(0, bound.input_tokens - (filler % 7));
          const parts = splitWeights.map((w) => Math.floor((inputs * w) / total));
          const outputs = bound.output_tokens;
          const reasoning = outputShare % (outputs + 1);
          const usage: UsageRecord = {
            input: parts[0],
            cached_input: parts[1],
            cache_write: parts[2],
            cache_write_1h: parts[3],
            output: outputs - reasoning,
            reasoning,
          };
          expect(costOf(entry, usage, now)).toBeLessThanOrEqual(bound.micros);
        },
      ),
      { numRuns: 400 },
    );
  });
});
