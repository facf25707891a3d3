import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { findModel } from "../../src/metering/catalog.ts";
import { priceUsage, pricingConfig, type UsageRecord } from "../../src/metering/pricing.ts";
import { account, funded, usageEntries } from "../helpers/chat.ts";
import { BASE, gw } from "../helpers/gateway.ts";
import { CORE, GPT_IMAGE } from "../helpers/images.ts";

/** The official SDK, unchanged, pointed at the gateway (its fetch routed to the Worker under test). */
function sdk(apiKey: string, { maxRetries = 0, sent = [] as Response[] } = {}) {
  return new OpenAI({
    apiKey,
    baseURL: `${BASE}/v1`,
    maxRetries,
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const res = await gw(`${url.pathname}${url.search}`, init);
      sent.push(res);
      return res;
    },
  });
}

const pricing = pricingConfig({ MARGIN_MULTIPLIER: "1.8", STRIPE_PRICE_USD_PER_CREDIT: "0.01" });
/** What the catalog says a usage record costs for a model today, in µcr. */
function catalogPrice(model: string, usage: UsageRecord): number {
  const entry = findModel(model);
  if (!entry) throw new Error(`no ${model} in the catalog`);
  return priceUsage(entry, usage, Date.now(), pricing).micros;
}

const PROMPT = "A watercolour lighthouse on a cliff at dawn";

describe("the official openai SDK's images.generate()", () => {
  it("gpt-image-2.6-sunburst: one b64 image; the balance drops by exactly the catalog price of the reported usage", async () => {
    const { key } = await funded(10);
    const before = await account(key);
    const result = await sdk(key).images.generate({
      model: GPT_IMAGE,
      prompt: PROMPT,
      size: "1024x1024",
      quality: "low",
    });
    expect(result.data).toHaveLength(1);
    expect(result.data?.[0]?.b64_json).toMatch(/^iVBORw0KGgo/);
    expect(result.usage).toMatchObject({ input_tokens: 17, output_tokens: 272 });
    const after = await account(key);
    const expected = catalogPrice(GPT_IMAGE, { input: 17, image_output: 272 });
    expect(expected).toBe(1_484_100);
    expect(before.credits_micros - after.credits_micros).toBe(expected);
    expect(after.held_micros).toBe(0);
  });

  it("stability/stable-image-core: exactly the per-image price, and n=2 twice that", async () => {
    const { key } = await funded(20);
    const client = sdk(key);
    const one = await client.images.generate({ model: CORE, prompt: PROMPT, size: "1024x1024" });
    expect(one.data).toHaveLength(1);
    expect(one.data?.[0]?.b64_json).toMatch(/^iVBORw0KGgo/);
    const perImage = catalogPrice(CORE, { images: 1 });
    expect(perImage).toBe(5_400_000);
    expect((await account(key)).credits_micros).toBe(20_000_000 - perImage);

    const two = await client.images.generate({ model: CORE, prompt: PROMPT, n: 2 });
    expect(two.data).toHaveLength(2);
    expect((await usageEntries(key)).map((e) => e.amount_micros)).toEqual([-2 * perImage, -perImage]);
    expect(await account(key)).toMatchObject({ credits_micros: 20_000_000 - 3 * perImage, held_micros: 0 });
  });

  it("accepts response_format b64_json, as the Vercel AI SDK sends it", async () => {
    const { key } = await funded(10);
    const result = await sdk(key).images.generate({
      model: GPT_IMAGE,
      prompt: PROMPT,
      size: "1024x1024",
      quality: "low",
      response_format: "b64_json",
    });
    expect(result.data?.[0]?.b64_json).toBeTruthy();
  });

  it("a content-filtered request and an upstream 500 charge nothing and leave no hold", async () => {
    const { key } = await funded(10);
    const client = sdk(key);
    const filtered = await client.images
      .generate({ model: CORE, prompt: `${PROMPT} [[scenario:content-filtered]]` })
      .catch((e: unknown) => e);
    expect(filtered).toBeInstanceOf(OpenAI.BadRequestError);
    expect((filtered as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("CONTENT_FILTERED");
    const moderated = await client.images
      .generate({ model: GPT_IMAGE, prompt: `${PROMPT} [[scenario:error:400:moderation_blocked]]`, quality: "low" })
      .catch((e: unknown) => e);
    expect(moderated).toBeInstanceOf(OpenAI.BadRequestError);
    for (const model of [GPT_IMAGE, CORE]) {
      const failed = await client.images
        .generate({ model, prompt: `${PROMPT} [[scenario:error:500]]`, size: "1024x1024", quality: "low" })
        .catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(OpenAI.APIError);
      expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    }
    expect(await account(key)).toMatchObject({ credits_micros: 10_000_000, held_micros: 0 });
    expect(await usageEntries(key)).toEqual([]);
  });

  it("a retired model answers 410 naming its replacement", async () => {
    const { key } = await funded(10);
    const err = await sdk(key)
      .images.generate({ model: "openai/gpt-image-1", prompt: PROMPT })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(410);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe("MODEL_RETIRED");
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain("openai/gpt-image-2.6-sunburst");
  });

  it("streaming partial images is refused with a 400 naming stream", async () => {
    const { key } = await funded(10);
    const err = await sdk(key)
      .images.generate({ model: GPT_IMAGE, prompt: PROMPT, stream: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("stream");
  });
});
