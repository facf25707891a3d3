import { describe, expect, it } from "vitest";
import { mergeImages } from "../../src/capabilities/image/call.ts";
import { imageHold } from "../../src/capabilities/image/hold.ts";
import type { ImageRequest } from "../../src/capabilities/image/schemas.ts";
import { ApiError } from "../../src/lib/errors.ts";
import { createScrubber } from "../../src/lib/scrub.ts";
import { findModel } from "../../src/metering/catalog.ts";
import { priceUsage, pricingConfig } from "../../src/metering/pricing.ts";
import type { UpstreamRequest } from "../../src/metering/upstream.ts";
import { nearestAspectRatio } from "../../src/providers/stability/aspect-ratio.ts";
import { stability } from "../../src/providers/stability/index.ts";
import { readFixtureJson } from "../helpers/fixtures.ts";

const KEY = "sk-stability-test-key-0123456789";
const NOW = Date.parse("2026-12-01T12:00:00Z");
const module = stability.create({
  apiKey: KEY,
  baseUrl: "https://api.stability.test",
  fetch: () => Promise.reject(new Error("unit tests make no calls")),
  scrub: createScrubber([KEY]),
  config: {} as never,
  now: () => NOW,
});
const offered = module.adapters.image;
if (!offered) throw new Error("stability offers images");
const image = offered;
const core = findModel("stability/stable-image-core");
const ultra = findModel("stability/stable-image-ultra");
if (!core || !ultra) throw new Error("catalog");
const pricing = pricingConfig({ MARGIN_MULTIPLIER: "1.8", STRIPE_PRICE_USD_PER_CREDIT: "0.01" });

const PROMPT = "Lighthouse on a cliff overlooking the ocean";
const request = (fields: Partial<ImageRequest> = {}): ImageRequest => ({
  model: "stability/stable-image-core",
  prompt: PROMPT,
  ...fields,
});
const built = (fields: Partial<ImageRequest> = {}, entry = core): UpstreamRequest[] => {
  const asked = request(fields);
  const hold = imageHold(entry, asked.n ?? 1, image.bound(asked, entry), { now: NOW, pricing });
  return [image.buildRequest(asked, entry, hold)].flat();
};
const form = (upstream: UpstreamRequest | undefined) => upstream?.init.body as FormData;

describe("Stability image adapter: requests", () => {
  it("posts multipart to core or ultra with the bearer key, asking for JSON", () => {
    const [one] = built({ size: "1536x1024", output_format: "webp", user: "end-user-7" });
    expect(one?.url).toBe("https://api.stability.test/v2beta/stable-image/generate/core");
    expect(one?.init.method).toBe("POST");
    expect(one?.init.headers).toEqual({
      authorization: `Bearer ${KEY}`,
      accept: "application/json",
      "stability-client-user-id": "end-user-7",
    });
    // fetch sets multipart/form-data with its boundary from the FormData body
    expect(one?.init.headers).not.toHaveProperty("content-type");
    expect(Object.fromEntries(form(one).entries())).toEqual({
      prompt: PROMPT,
      aspect_ratio: "3:2",
      output_format: "webp",
    });
    expect(built({}, ultra)[0]?.url).toBe("https://api.stability.test/v2beta/stable-image/generate/ultra");
  });

  it("sends no aspect ratio for auto or no size, and nothing Stability has no field for", () => {
    const [one] = built({ quality: "high", moderation: "low", output_compression: 50, background: "opaque" });
    expect(Object.fromEntries(form(one).entries())).toEqual({ prompt: PROMPT });
    expect(form(built({ size: "auto" })[0]).has("aspect_ratio")).toBe(false);
  });

  it("makes one call per image held, each with its own form", () => {
    const calls = built({ n: 3, size: "1024x1536" });
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((call) => call.init.body)).size).toBe(3);
    for (const call of calls) expect(form(call).get("aspect_ratio")).toBe("2:3");
  });

  it.each([
    [1024, 1024, "1:1"],
    [1536, 1024, "3:2"],
    [1024, 1536, "2:3"],
    [1792, 1024, "16:9"],
    [1024, 1792, "9:16"],
    [1920, 1080, "16:9"],
    [2048, 896, "21:9"],
    [896, 2048, "9:21"],
    [1280, 1024, "5:4"],
    [1024, 1280, "4:5"],
    [3840, 1280, "21:9"],
    [1100, 1024, "1:1"],
  ])("%ix%i maps to the nearest aspect ratio, %s", (width, height, ratio) => {
    expect(nearestAspectRatio(width, height)).toBe(ratio);
  });
});

describe("Stability image adapter: the hold", () => {
  it("holds n images at the per-image price: $0.03 core, $0.08 ultra", () => {
    expect(image.bound(request({ n: 2 }), core)).toEqual({ worstCase: { images: 2 }, interrupted: { images: 2 } });
    const hold = (entry: typeof core, n: number) =>
      imageHold(entry, n, image.bound(request({ n }), entry), { now: NOW, pricing });
    expect(hold(core, 1).micros).toBe(5_400_000); // $0.03 x 1.8 / $0.01 = 5.4 credits
    expect(hold(core, 2).micros).toBe(10_800_000);
    expect(hold(ultra, 1).micros).toBe(14_400_000);
  });

  it("400 naming the field for what Stability cannot do", () => {
    expect(() => image.bound(request({ prompt: "x".repeat(10_001) }), core)).toThrow(
      expect.objectContaining({ code: "INVALID_REQUEST", param: "prompt" }),
    );
    expect(() => image.bound(request({ prompt: "🌊".repeat(10_000) }), core)).not.toThrow();
    expect(() => image.bound(request({ background: "transparent" }), core)).toThrow(
      expect.objectContaining({ code: "INVALID_REQUEST", param: "background" }),
    );
  });
});

describe("Stability image adapter: answers", () => {
  it("returns the base64 image in OpenAI's shape, dated by the injected clock, billed one image", () => {
    const parsed = image.parseResponse(readFixtureJson("stability", "image"), request({ output_format: "jpeg" }));
    if (parsed instanceof ApiError) throw parsed;
    expect(parsed.body).toEqual({
      created: NOW / 1000,
      data: [{ b64_json: expect.stringMatching(/^iVBORw0KGgo/) }],
      output_format: "jpeg",
    });
    expect(parsed.usage).toEqual({ images: 1 });
    expect(priceUsage(core, parsed.usage, NOW, pricing).micros).toBe(5_400_000);
  });

  it("merges n answers into one body with every image, billed n images", () => {
    const one = image.parseResponse(readFixtureJson("stability", "image"), request());
    if (one instanceof ApiError) throw one;
    const merged = mergeImages([one, one]);
    expect((merged.body as { data: unknown[] }).data).toHaveLength(2);
    expect(merged.usage).toEqual({ images: 2 });
  });

  it("a filtered image is the client's 400 naming the prompt, with Stability's reason, and not charged", () => {
    const parsed = image.parseResponse(readFixtureJson("stability", "content-filtered"), request());
    expect(parsed).toBeInstanceOf(ApiError);
    expect(parsed).toMatchObject({ code: "INVALID_REQUEST", param: "prompt" });
    expect((parsed as ApiError).message).toContain("CONTENT_FILTERED");
  });

  it("finish_reason ERROR or an unreadable answer is the provider's failure", () => {
    expect(image.parseResponse(readFixtureJson("stability", "failed"), request())).toMatchObject({
      code: "PROVIDER_ERROR",
    });
    expect(image.parseResponse({ finish_reason: "SUCCESS" }, request())).toMatchObject({ code: "PROVIDER_ERROR" });
  });
});

describe("Stability image adapter: errors, through the shared policy", () => {
  const mapped = (name: string, status: number) =>
    module.parseError(
      status,
      JSON.stringify(readFixtureJson("stability", `errors/${name}`, { key: KEY })),
      new Headers(name === "429" ? { "retry-after": "10" } : {}),
    );

  it("403 content_moderation is the client's 400 with Stability's reason, naming the prompt", () => {
    const error = mapped("403-content_moderation", 403);
    expect(error).toMatchObject({ code: "INVALID_REQUEST", status: 400, param: "prompt" });
    expect(error.message).toBe(
      "Stability AI refused the request: Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.",
    );
  });

  it("a 400 names the client's field for Stability's", () => {
    expect(mapped("400", 400)).toMatchObject({ code: "INVALID_REQUEST", param: "size" });
  });

  it.each([
    ["401", 401, "PROVIDER_ERROR"],
    ["402", 402, "PROVIDER_ERROR"],
    ["403", 403, "PROVIDER_ERROR"],
    ["413", 413, "INVALID_REQUEST"],
    ["422", 422, "INVALID_REQUEST"],
    ["429", 429, "PROVIDER_RATE_LIMITED"],
    ["500", 500, "PROVIDER_ERROR"],
  ])("errors/%s.json answered %i is %s", (name, status, code) => {
    const error = mapped(name, status);
    expect(error.code).toBe(code);
    expect(error.message).not.toContain(KEY);
  });

  it("a 429 passes on Stability's Retry-After", () => {
    expect(mapped("429", 429).headers["retry-after"]).toBe("10");
  });

  it("a body that is not Stability's shape is still mapped by status", () => {
    expect(module.parseError(502, "<html>bad gateway</html>", new Headers()).code).toBe("PROVIDER_ERROR");
  });
});
