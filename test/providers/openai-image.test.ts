import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { imageHold } from "../../src/capabilities/image/hold.ts";
import type { ImageRequest } from "../../src/capabilities/image/schemas.ts";
import { parseSize } from "../../src/capabilities/image/size.ts";
import { ApiError } from "../../src/lib/errors.ts";
import { createScrubber } from "../../src/lib/scrub.ts";
import { findModel } from "../../src/metering/catalog.ts";
import { priceUsage, pricingConfig } from "../../src/metering/pricing.ts";
import { PROMPT_OVERHEAD_TOKENS } from "../../src/providers/openai/image.ts";
import { imageTokenBound } from "../../src/providers/openai/image-tokens.ts";
import { openai } from "../../src/providers/openai/index.ts";
import { readFixtureJson } from "../helpers/fixtures.ts";

const KEY = "sk-test-gateway-key-0123456789";
const module = openai.create({
  apiKey: KEY,
  baseUrl: "https://api.openai.test/v1",
  fetch: () => Promise.reject(new Error("unit tests make no calls")),
  scrub: createScrubber([KEY]),
  config: {} as never,
});
const offered = module.adapters.image;
if (!offered) throw new Error("openai offers images");
const image = offered;
const entry = findModel("openai/gpt-image-2.6-sunburst");
if (!entry) throw new Error("catalog");
const pricing = pricingConfig({ MARGIN_MULTIPLIER: "1.8", STRIPE_PRICE_USD_PER_CREDIT: "0.01" });
const NOW = Date.parse("2026-12-01T12:00:00Z");

const PROMPT = "A watercolour lighthouse on a cliff at dawn";
const request = (fields: Partial<ImageRequest> = {}): ImageRequest => ({
  model: "openai/gpt-image-2.6-sunburst",
  prompt: PROMPT,
  ...fields,
});
const hold = (fields: Partial<ImageRequest> = {}) =>
  imageHold(entry, fields.n ?? 1, image.bound(request(fields), entry), { now: NOW, pricing });

describe("OpenAI image adapter: requests", () => {
  it("sends the bare model id, the held n and the client's fields; never response_format or stream", () => {
    const asked = request({
      n: 2,
      size: "1536x1024",
      quality: "low",
      background: "opaque",
      output_format: "webp",
      output_compression: 80,
      moderation: "low",
      user: "end-user-7",
      response_format: "b64_json",
      stream: false,
    });
    const built = image.buildRequest(asked, entry, hold({ n: 2 }));
    if (Array.isArray(built)) throw new Error("one request");
    expect(built.url).toBe("https://api.openai.test/v1/images/generations");
    expect(built.init.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(built.init.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(built.init.body as string)).toEqual({
      model: "gpt-image-2.6-sunburst",
      prompt: PROMPT,
      n: 2,
      size: "1536x1024",
      quality: "low",
      background: "opaque",
      output_format: "webp",
      output_compression: 80,
      moderation: "low",
      user: "end-user-7",
    });
  });

  it("leaves out what the client left out or sent as null", () => {
    const built = image.buildRequest(request({ size: null, quality: null }), entry, hold());
    if (Array.isArray(built)) throw new Error("one request");
    expect(JSON.parse(built.init.body as string)).toEqual({ model: "gpt-image-2.6-sunburst", prompt: PROMPT, n: 1 });
  });
});

describe("OpenAI image adapter: the hold", () => {
  it("holds n x the table's output image tokens for a listed size and quality, plus the prompt's bytes", () => {
    const bound = image.bound(request({ n: 2, size: "1024x1024", quality: "low" }), entry);
    expect(bound.worstCase).toEqual({
      input: new TextEncoder().encode(PROMPT).length + PROMPT_OVERHEAD_TOKENS,
      image_output: 2 * 272,
    });
    // The provider made the images: output as held, input estimated at 4 bytes per token.
    expect(bound.interrupted).toEqual({ input: Math.ceil(PROMPT.length / 4), image_output: 2 * 272 });
  });

  it("holds auto quality as high and auto size as the dearest listed size", () => {
    expect(imageTokenBound("auto", "low")).toBe(408);
    expect(imageTokenBound("auto", "auto")).toBe(6240);
    expect(imageTokenBound(parseSize("1536x1024"), undefined)).toBe(6208);
    expect(image.bound(request(), entry).worstCase.image_output).toBe(6240);
  });

  it.each([
    ["1024x1024", { low: 272, medium: 1056, high: 4160 }],
    ["1024x1536", { low: 408, medium: 1584, high: 6240 }],
    ["1536x1024", { low: 400, medium: 1568, high: 6208 }],
  ] as const)("%s: the gpt-image-1 table, which the free-form rule also covers", (size, row) => {
    for (const quality of ["low", "medium", "high"] as const) {
      expect(imageTokenBound(parseSize(size), quality)).toBe(row[quality]);
      // the same size as if it were free-form: (ceil(W/t) + 1) x (ceil(H/t) + 1) never undercuts the table
      const [w, h] = size.split("x").map(Number) as [number, number];
      const t = { low: 64, medium: 32, high: 16 }[quality];
      expect((Math.ceil(w / t) + 1) * (Math.ceil(h / t) + 1)).toBeGreaterThanOrEqual(row[quality]);
    }
  });

  it("bounds a free-form size by its pixels, in tiles, with a spare row and column", () => {
    expect(imageTokenBound(parseSize("3840x2160"), "high")).toBe(241 * 136);
    expect(imageTokenBound(parseSize("2160x3840"), "high")).toBe(136 * 241);
    expect(imageTokenBound(parseSize("1536x864"), "low")).toBe(25 * 15);
    expect(imageTokenBound(parseSize("1000x1000"), "medium")).toBe(33 * 33);
    // tokens grow with pixels: four times the pixels hold about four times the tokens
    const small = imageTokenBound(parseSize("1280x720"), "high");
    const large = imageTokenBound(parseSize("2560x1440"), "high");
    expect(large / small).toBeGreaterThan(3.9);
    expect(large / small).toBeLessThan(4.1);
  });

  it("property: a free-form size's bound covers the table's tile rule in either orientation", () => {
    const listed = new Set(["1024x1024", "1024x1536", "1536x1024"]); // the table itself, above
    const tile = { low: 64, medium: 32, high: 16 } as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 240 }),
        fc.integer({ min: 1, max: 240 }),
        fc.constantFrom("low", "medium", "high" as const),
        (w16, h16, quality) => {
          const [width, height] = [w16 * 16, h16 * 16];
          if (Math.max(width, height) > 3 * Math.min(width, height) || width * height > 3840 * 2160) return;
          if (listed.has(`${width}x${height}`)) return;
          const bound = imageTokenBound({ width, height }, quality);
          const t = tile[quality];
          // gpt-image-1's rule, (W/t + 1) x H/t, with either side as W, partial tiles counted whole
          for (const [a, b] of [
            [width, height],
            [height, width],
          ] as const) {
            expect(bound).toBeGreaterThanOrEqual((Math.ceil(a / t) + 1) * Math.ceil(b / t));
          }
          expect(imageTokenBound({ width, height }, "auto")).toBeGreaterThanOrEqual(bound);
        },
      ),
      {
        examples: [
          [95, 64, "high"],
          [64, 97, "high"],
          [1, 3, "low"],
          [240, 135, "high"],
        ],
      },
    );
  });

  it.each([
    ["3856x2160", "an edge over 3840 px"],
    ["3840x2176", "more than 3840x2160 pixels"],
    ["3072x1008", "an aspect ratio past 3:1"],
    ["512x1552", "an aspect ratio past 1:3"],
  ])("400 naming size for %s (%s): no safe bound", (size) => {
    expect(() => image.bound(request({ size }), entry)).toThrow(
      expect.objectContaining({ code: "INVALID_REQUEST", param: "size" }),
    );
  });

  it("prices the checked-by hold: one low 1024x1024 image of gpt-image-2.6-sunburst", () => {
    const held = hold({ size: "1024x1024", quality: "low" });
    const bytes = new TextEncoder().encode(PROMPT).length;
    // ((bytes + 64) x $5 + 272 x $30) per 1M tokens x 180 credits per USD
    expect(held.micros).toBe(Math.ceil(((bytes + 64) * 5 + 272 * 30) * 180));
    expect(held.images).toBe(1);
  });
});

describe("OpenAI image adapter: answers", () => {
  it("passes the images through and bills the reported text and image tokens", () => {
    const parsed = image.parseResponse(readFixtureJson("openai", "image"), request());
    if (parsed instanceof ApiError) throw parsed;
    expect(parsed.body.data).toHaveLength(1);
    expect(parsed.body.data[0]?.b64_json).toMatch(/^iVBORw0KGgo/);
    expect(parsed.body).toMatchObject({ created: 1796083200, quality: "low", size: "1024x1024", output_format: "png" });
    expect(parsed.body.usage).toEqual({
      input_tokens: 17,
      input_tokens_details: { text_tokens: 17, image_tokens: 0 },
      output_tokens: 272,
      output_tokens_details: { text_tokens: 0, image_tokens: 272 },
      total_tokens: 289,
    });
    expect(parsed.usage).toEqual({ input: 17, image_input: 0, output: 0, image_output: 272 });
    // $0.008245 x 180 = 1.4841 credits
    expect(priceUsage(entry, parsed.usage, NOW, pricing).micros).toBe(1_484_100);
  });

  it("n=2: both images, twice the output tokens", () => {
    const parsed = image.parseResponse(readFixtureJson("openai", "image-n2"), request({ n: 2 }));
    if (parsed instanceof ApiError) throw parsed;
    expect(parsed.body.data).toHaveLength(2);
    expect(parsed.usage).toEqual({ input: 17, image_input: 0, output: 0, image_output: 544 });
  });

  it("splits image input and text output out of the totals, and bills what the details leave out", () => {
    const answer = (usage: unknown) => ({ created: 1, data: [{ b64_json: "iVBOR" }], usage });
    const parsed = image.parseResponse(
      answer({
        input_tokens: 300,
        input_tokens_details: { text_tokens: 40, image_tokens: 250 },
        output_tokens: 1100,
        output_tokens_details: { text_tokens: 44, image_tokens: 1056 },
        total_tokens: 1400,
      }),
      request(),
    );
    if (parsed instanceof ApiError) throw parsed;
    expect(parsed.usage).toEqual({ input: 50, image_input: 250, output: 44, image_output: 1056 });
    const bare = image.parseResponse(answer({ input_tokens: 12, output_tokens: 4160 }), request());
    if (bare instanceof ApiError) throw bare;
    expect(bare.usage).toEqual({ input: 12, image_input: 0, output: 0, image_output: 4160 });
    expect(bare.body.usage).toEqual({
      input_tokens: 12,
      input_tokens_details: { text_tokens: 12, image_tokens: 0 },
      output_tokens: 4160,
      output_tokens_details: { text_tokens: 0, image_tokens: 4160 },
      total_tokens: 4172,
    });
  });

  it("without reported usage bills each image returned as held, with the input estimated", () => {
    const asked = request({ size: "1024x1024", quality: "medium" });
    const parsed = image.parseResponse(readFixtureJson("openai", "image-no-usage"), asked);
    if (parsed instanceof ApiError) throw parsed;
    expect(parsed.body.data[0]?.revised_prompt).toContain("sea otter");
    expect(parsed.body).not.toHaveProperty("usage");
    expect(parsed.usage).toEqual({ input: Math.ceil(PROMPT.length / 4), image_output: 1056 });
  });

  it("refuses an answer it cannot read (no images, or a URL instead of base64)", () => {
    expect(image.parseResponse({ created: 1 }, request())).toMatchObject({ code: "PROVIDER_ERROR" });
    expect(image.parseResponse({ created: 1, data: [{ url: "https://x/y.png" }] }, request())).toMatchObject({
      code: "PROVIDER_ERROR",
    });
  });
});

describe("OpenAI image adapter: errors, through the shared policy", () => {
  const mapped = (name: string, status: number) =>
    module.parseError(status, JSON.stringify(readFixtureJson("openai", `errors/${name}`)), new Headers());

  it("a moderation block is the client's 400 with OpenAI's words", () => {
    const error = mapped("400-moderation_blocked", 400);
    expect(error).toMatchObject({ code: "INVALID_REQUEST", status: 400 });
    expect(error.message).toContain("rejected by the safety system");
  });

  it("response_format refused by a GPT image model names the field (the gateway never sends it)", () => {
    expect(mapped("400-response_format", 400)).toMatchObject({ code: "INVALID_REQUEST", param: "response_format" });
  });

  it.each([
    ["401", 401, "PROVIDER_ERROR"],
    ["403", 403, "PROVIDER_ERROR"],
    ["404", 404, "PROVIDER_ERROR"],
    ["429", 429, "PROVIDER_RATE_LIMITED"],
    ["429-insufficient_quota", 429, "PROVIDER_ERROR"],
    ["500", 500, "PROVIDER_ERROR"],
    ["503", 503, "PROVIDER_ERROR"],
  ])("errors/%s.json answered %i is %s", (name, status, code) => {
    expect(mapped(name, status).code).toBe(code);
  });
});
