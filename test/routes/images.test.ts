import { describe, expect, it } from "vitest";
import { utf8Bytes } from "../../src/lib/text.ts";
import {
  account,
  funded,
  prompt,
  settledAccount,
  upstreamAborted,
  upstreamRequests,
  usageEntries,
} from "../helpers/chat.ts";
import { bearer, expectError, gw, gwWith, json, rapid } from "../helpers/gateway.ts";
import { CHARGE, CORE, formFields, GPT_IMAGE, generate, type ImagesResponse, ULTRA } from "../helpers/images.ts";
import { securitySuite } from "../helpers/security.ts";

const START = 10_000_000;
/** A GPT image call held small enough for a 10-credit account (auto size and quality hold about 34 credits). */
const LOW = { size: "1024x1024", quality: "low" } as const;

async function expectNothingCharged(key: string) {
  expect(await account(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  expect(await usageEntries(key)).toEqual([]);
}

/** An answer with `count` base64 PNG images, as the contract shapes it. */
async function images(res: Response, count: number): Promise<ImagesResponse> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = JSON.parse(text) as ImagesResponse;
  expect(body.data).toHaveLength(count);
  for (const image of body.data) expect(image.b64_json).toMatch(/^iVBORw0KGgo/); // a PNG
  expect(body).not.toHaveProperty("data.0.url");
  return body;
}

describe("POST /v1/images/generations: OpenAI GPT image models", () => {
  it("answers one base64 image and charges exactly the catalog price of the reported usage", async () => {
    const { key } = await funded(10);
    const before = await account(key);
    const { marker, content } = prompt();
    const res = await generate(key, { prompt: content, size: "1024x1024", quality: "low" });
    const body = await images(res, 1);
    expect(body.usage).toMatchObject({ input_tokens: 17, output_tokens: 272 });
    expect(body).toMatchObject({ quality: "low", size: "1024x1024" });
    // (17 x $5 + 272 x $30) per 1M tokens x 180 credits per USD
    expect(res.headers.get("x-credits-charged")).toBe("1.4841");
    expect(res.headers.get("x-credits-remaining")).toBe("8.5159");
    const after = await account(key);
    expect(before.credits_micros - after.credits_micros).toBe(CHARGE.gptImage);
    expect(after.held_micros).toBe(0);
    const [entry] = await usageEntries(key);
    expect(entry).toMatchObject({
      amount_micros: -CHARGE.gptImage,
      request_id: res.headers.get("x-request-id"),
      usage: { input: 17, image_output: 272 },
    });
    const [upstream] = await upstreamRequests(marker);
    expect(upstream?.path).toBe("/v1/images/generations");
    expect(upstream?.headers.authorization).toBe("Bearer sk-fake-gateway-key");
    expect(upstream?.body).toEqual({
      model: "gpt-image-2.6-sunburst",
      prompt: content,
      n: 1,
      size: "1024x1024",
      quality: "low",
    });
  });

  it("n=2: two images, twice the image tokens, and n sent upstream as held", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt("[[scenario:image-n2]]");
    const res = await generate(key, { prompt: content, n: 2, size: "1024x1024", quality: "low" });
    await images(res, 2);
    expect(res.headers.get("x-credits-charged")).toBe("2.9529");
    expect((await upstreamRequests(marker))[0]?.body.n).toBe(2);
    expect(await account(key)).toMatchObject({ credits_micros: START - CHARGE.gptImageN2, held_micros: 0 });
  });

  it("takes a bare model id, forwards the client's fields, and accepts response_format b64_json without sending it", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const res = await generate(key, {
      model: "gpt-image-2.6-sunburst",
      prompt: content,
      size: "1536x864",
      quality: "medium",
      background: "opaque",
      output_format: "webp",
      output_compression: 70,
      moderation: "low",
      user: "end-user-7",
      response_format: "b64_json",
      stream: false,
      partial_images: 2,
      style: "vivid",
    });
    await images(res, 1);
    expect((await upstreamRequests(marker))[0]?.body).toEqual({
      model: "gpt-image-2.6-sunburst",
      prompt: content,
      n: 1,
      size: "1536x864",
      quality: "medium",
      background: "opaque",
      output_format: "webp",
      output_compression: 70,
      moderation: "low",
      user: "end-user-7",
    });
  });

  it("an answer without usage is charged per image returned, as the hold bounded it", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:image-no-usage]]");
    const res = await generate(key, { prompt: content, size: "1024x1024", quality: "low" });
    const body = await images(res, 1);
    expect(body.data[0]?.revised_prompt).toContain("sea otter");
    const input = Math.ceil(utf8Bytes(content) / 4);
    expect((await usageEntries(key))[0]?.usage).toEqual({ input, image_output: 272 });
    expect((await account(key)).credits_micros).toBe(START - (input * 5 + 272 * 30) * 180);
  });
});

describe("POST /v1/images/generations: Stability AI", () => {
  it("Stable Image Core: one image, charged exactly the per-image price ($0.03)", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const res = await generate(key, { model: CORE, prompt: content, size: "1536x1024", output_format: "png" });
    const body = await images(res, 1);
    expect(body.output_format).toBe("png");
    expect(body).not.toHaveProperty("usage");
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(60);
    expect(res.headers.get("x-credits-charged")).toBe("5.4");
    expect(res.headers.get("x-credits-remaining")).toBe("4.6");
    expect(await account(key)).toMatchObject({ credits_micros: START - CHARGE.core, held_micros: 0 });
    expect((await usageEntries(key))[0]?.usage).toEqual({ images: 1 });
    const [upstream] = await upstreamRequests(marker, "stability");
    expect(upstream?.path).toBe("/v2beta/stable-image/generate/core");
    expect(upstream?.headers.authorization).toBe("Bearer sk-stability-fake-gateway-key");
    expect(upstream?.headers.accept).toBe("application/json");
    expect(upstream?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(await formFields(upstream)).toEqual({ prompt: content, aspect_ratio: "3:2", output_format: "png" });
  });

  it("Stable Image Ultra: the ultra endpoint, $0.08 per image", async () => {
    const { key } = await funded(20);
    const { marker, content } = prompt();
    const res = await generate(key, { model: ULTRA, prompt: content });
    await images(res, 1);
    expect(res.headers.get("x-credits-charged")).toBe("14.4");
    expect((await upstreamRequests(marker, "stability"))[0]?.path).toBe("/v2beta/stable-image/generate/ultra");
  });

  it("n=2: two calls, both images in one answer, charged twice the per-image price", async () => {
    const { key } = await funded(20);
    const { marker, content } = prompt();
    const res = await generate(key, { model: CORE, prompt: content, n: 2, size: "1024x1536" });
    await images(res, 2);
    expect(res.headers.get("x-credits-charged")).toBe("10.8");
    const upstream = await upstreamRequests(marker, "stability");
    expect(upstream).toHaveLength(2);
    for (const call of upstream) expect((await formFields(call)).aspect_ratio).toBe("2:3");
    expect(await account(key)).toMatchObject({ credits_micros: 20_000_000 - 2 * CHARGE.core, held_micros: 0 });
    const [entry] = await usageEntries(key);
    expect(entry).toMatchObject({ amount_micros: -2 * CHARGE.core, usage: { images: 2 } });
  });
});

describe("failed or filtered generations charge nothing and leave no hold", () => {
  it("OpenAI's moderation block is a 400 with OpenAI's words", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:error:400:moderation_blocked]]");
    const error = await expectError(await generate(key, { prompt: content, ...LOW }), 400, "INVALID_REQUEST");
    expect(error.message).toContain("rejected by the safety system");
    await expectNothingCharged(key);
  });

  it("Stability's CONTENT_FILTERED answer is a 400 naming the prompt, with Stability's reason", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:content-filtered]]");
    const error = await expectError(await generate(key, { model: CORE, prompt: content }), 400, "INVALID_REQUEST");
    expect(error.param).toBe("prompt");
    expect(error.message).toContain("CONTENT_FILTERED");
    await expectNothingCharged(key);
  });

  it("Stability's 403 content_moderation is a 400 with Stability's reason, not a credentials error", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:error:403:content_moderation]]");
    const error = await expectError(await generate(key, { model: CORE, prompt: content }), 400, "INVALID_REQUEST");
    expect(error.message).toContain("flagged by our content moderation system");
    expect(error.param).toBe("prompt");
    await expectNothingCharged(key);
  });

  it("a filtered image among n=2 Stability calls fails the whole call", async () => {
    const { key } = await funded(20);
    const { content } = prompt("[[scenario:content-filtered]]");
    await expectError(await generate(key, { model: CORE, prompt: content, n: 2 }), 400, "INVALID_REQUEST");
    expect(await account(key)).toMatchObject({ credits_micros: 20_000_000, held_micros: 0 });
  });

  it.each([GPT_IMAGE, CORE])("%s: an upstream 500 is 502 PROVIDER_ERROR", async (model) => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:error:500]]");
    const res = await generate(key, { model, prompt: content, ...LOW });
    expect(res.headers.get("x-should-retry")).toBe("true");
    await expectError(res, 502, "PROVIDER_ERROR");
    await expectNothingCharged(key);
  });

  it.each([
    [GPT_IMAGE, "401", 502, "PROVIDER_ERROR"],
    [GPT_IMAGE, "403", 502, "PROVIDER_ERROR"],
    [GPT_IMAGE, "404", 502, "PROVIDER_ERROR"],
    [GPT_IMAGE, "429", 429, "PROVIDER_RATE_LIMITED"],
    [GPT_IMAGE, "429:insufficient_quota", 502, "PROVIDER_ERROR"],
    [GPT_IMAGE, "503", 502, "PROVIDER_ERROR"],
    [CORE, "400", 400, "INVALID_REQUEST"],
    [CORE, "401", 502, "PROVIDER_ERROR"],
    [CORE, "402", 502, "PROVIDER_ERROR"],
    [CORE, "403", 502, "PROVIDER_ERROR"],
    [CORE, "413", 400, "INVALID_REQUEST"],
    [CORE, "422", 400, "INVALID_REQUEST"],
    [CORE, "429", 429, "PROVIDER_RATE_LIMITED"],
  ])("%s: upstream %s is %i %s", async (model, scenario, status, code) => {
    const { key } = await funded(10);
    const { content } = prompt(`[[scenario:error:${scenario}]]`);
    const res = await generate(key, { model, prompt: content, ...LOW });
    const text = await res.clone().text();
    await expectError(res, status, code);
    expect(text).not.toMatch(/sk-fake-gateway-key|sk-stability-fake-gateway-key/);
    if (status === 429) expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    await expectNothingCharged(key);
  });

  it("Stability finish_reason ERROR, an answer that breaks off, and absurd reported usage are 502", async () => {
    for (const [model, scenario] of [
      [CORE, "[[scenario:failed]]"],
      [GPT_IMAGE, "[[scenario:image-absurd-usage]]"],
      [GPT_IMAGE, "[[reset-after:1]]"],
    ] as const) {
      const { key } = await funded(10);
      const { content } = prompt(scenario);
      await expectError(await generate(key, { model, prompt: content, ...LOW }), 502, "PROVIDER_ERROR");
      await expectNothingCharged(key);
    }
  });
});

describe("a client that leaves", () => {
  it("while the provider is still working is charged the usage the provider reports", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt("[[slow-first-byte:400]]");
    const client = new AbortController();
    const pending = generate(key, { prompt: content, size: "1024x1024", quality: "low" }, client.signal).catch(
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.abort();
    await pending;
    const after = await settledAccount(key);
    expect(after).toMatchObject({ credits_micros: START - CHARGE.gptImage, held_micros: 0 });
    expect((await usageEntries(key))[0]?.usage).toEqual({ input: 17, image_output: 272 });
    expect((await upstreamRequests(marker))[0]?.aborted).toBe(false);
  });

  it("while the answer is read is charged the hold's estimate: the images as held, the input at 4 bytes a token", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt("[[stall-after:1]]");
    const client = new AbortController();
    const pending = generate(
      key,
      { model: GPT_IMAGE, prompt: content, n: 2, size: "1024x1024", quality: "low" },
      client.signal,
    ).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.abort();
    await pending;
    const after = await settledAccount(key);
    const input = Math.ceil(utf8Bytes(content) / 4);
    expect((await usageEntries(key))[0]?.usage).toEqual({ input, image_output: 2 * 272 });
    expect(after).toMatchObject({ credits_micros: START - (input * 5 + 2 * 272 * 30) * 180, held_micros: 0 });
    expect(await upstreamAborted(marker)).toBe(true);
  });
});

describe("images: gateway errors", () => {
  it("410 MODEL_RETIRED naming the replacement", async () => {
    const { key } = await funded(10);
    for (const model of ["openai/gpt-image-1", "openai/dall-e-3", "dall-e-2"]) {
      const error = await expectError(await generate(key, { model, prompt: "x" }), 410, "MODEL_RETIRED");
      expect(error.message).toMatch(/shut down on \d{4}-\d{2}-\d{2}\. Use 'openai\/gpt-image-2\.6-sunburst' instead\./);
      expect(error.param).toBe("model");
    }
    await expectNothingCharged(key);
  });

  it("404 MODEL_NOT_FOUND for an unknown model or one of another kind", async () => {
    const { key } = await funded(1);
    for (const model of ["openai/gpt-image-nope", "openai/gpt-4o-mini", "stability/stable-audio-2.5"]) {
      const error = await expectError(await generate(key, { model, prompt: "x" }), 404, "MODEL_NOT_FOUND");
      expect(error.param).toBe("model");
    }
  });

  it.each([
    ["response_format url", { response_format: "url" }, "response_format", /only b64_json/],
    ["stream true", { stream: true }, "stream", /streaming partial images is not supported/],
    ["no prompt", { prompt: undefined }, "prompt", /required/],
    ["n above 10", { n: 11 }, "n", /10/],
    ["n of 0", { n: 0 }, "n", /1/],
    ["a size that is not WxH", { size: "big" }, "size", /WIDTHxHEIGHT/],
    ["a size past 3840x2160", { size: "4096x4096" }, "size", /cannot be bounded/],
    ["quality xhigh (not priced)", { quality: "xhigh" }, "quality", /low/],
    ["a GIF (not priced)", { output_format: "gif" }, "output_format", /png/],
    ["compression above 100", { output_compression: 101 }, "output_compression", /100/],
  ])("400 INVALID_REQUEST naming the field: %s", async (_, fields, param, words) => {
    const { key } = await funded(10);
    const error = await expectError(await generate(key, { prompt: "a lighthouse", ...fields }), 400, "INVALID_REQUEST");
    expect(error.param).toBe(param);
    expect(error.message).toMatch(words);
    await expectNothingCharged(key);
  });

  it("400 naming the field for what Stability cannot do, before anything is held", async () => {
    const { key } = await funded(10);
    const transparent = await generate(key, { model: CORE, prompt: "a lighthouse", background: "transparent" });
    expect((await expectError(transparent, 400, "INVALID_REQUEST")).param).toBe("background");
    const long = await generate(key, { model: CORE, prompt: "x".repeat(10_001) });
    expect((await expectError(long, 400, "INVALID_REQUEST")).param).toBe("prompt");
    // `user` goes upstream as the stability-client-user-id header, which cannot hold these (was a 502).
    for (const user of ["end\r\nuser", "end\nuser", "end\u0000user"]) {
      const res = await generate(key, { model: CORE, prompt: "a lighthouse", user });
      expect((await expectError(res, 400, "INVALID_REQUEST")).param).toBe("user");
    }
    await expectNothingCharged(key);
  });

  it("402 INSUFFICIENT_CREDITS for n x the per-image price, with no upstream call", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const error = await expectError(
      await generate(key, { model: CORE, prompt: content, n: 2 }),
      402,
      "INSUFFICIENT_CREDITS",
    );
    expect(error.message).toMatch(/needs up to 10\.8 credits held; your balance is 10 credits/);
    expect(await upstreamRequests(marker, "stability")).toEqual([]);
    await expectNothingCharged(key);
  });

  it("503 PROVIDER_NOT_CONFIGURED when STABILITY_API_KEY is unset, before anything is held", async () => {
    const { key } = await funded(10);
    const res = await gwWith(
      { STABILITY_API_KEY: undefined },
      "/v1/images/generations",
      json({ model: CORE, prompt: "x" }, bearer(key)),
    );
    const error = await expectError(res, 503, "PROVIDER_NOT_CONFIGURED");
    expect(error.message).toContain("Stability AI");
    await expectNothingCharged(key);
  });

  it("through RapidAPI: billed in X-RapidAPI-Billing (a $0.03 image, 5.4 credits, bills 6), no hold", async () => {
    const res = await gw(
      "/v1/images/generations",
      json({ model: CORE, prompt: "x" }, rapid(`images-${crypto.randomUUID()}`)),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-rapidapi-billing")).toBe("Credits=6");
  });
});

securitySuite("images", "customer", [
  { method: "POST", path: "/v1/images/generations", body: { model: GPT_IMAGE, prompt: "a lighthouse" } },
]);
