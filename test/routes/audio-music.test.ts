import { describe, expect, it } from "vitest";
import { bytesOf, fixtureBytes, music } from "../helpers/audio.ts";
import { account, funded, settledAccount, upstreamAborted, upstreamRequests, usageEntries } from "../helpers/chat.ts";
import { bearer, expectError, gwWith, json } from "../helpers/gateway.ts";

const START = 100_000_000;
/** Per clip: catalog USD x 1.8 margin / $0.01 per credit, in µcr. */
const STABLE_AUDIO_2_5 = 36_000_000; // $0.20
const STABLE_AUDIO_2 = 41_400_000; // $0.23

const marked = (directives = "") => {
  const marker = `m-${crypto.randomUUID()}`;
  return { marker, prompt: `Calm lo-fi beat with soft piano ${directives} ${marker}` };
};

async function expectNothingCharged(key: string) {
  expect(await settledAccount(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  expect(await usageEntries(key)).toEqual([]);
}

describe("POST /v1/audio/music: Stability", () => {
  it("answers the upstream's clip unchanged and charges exactly the clip price", async () => {
    const { key } = await funded(100);
    const { marker, prompt } = marked();
    const res = await music(key, { model: "stability/stable-audio-2.5", prompt, duration: 20, seed: 42 });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    expect(res.headers.get("x-credits-charged")).toBe("36");
    expect(res.headers.get("x-credits-remaining")).toBe("64");
    expect(await bytesOf(res)).toEqual(fixtureBytes("stability/music"));
    expect(await account(key)).toMatchObject({ credits_micros: START - STABLE_AUDIO_2_5, held_micros: 0 });
    const [entry] = await usageEntries(key);
    expect(entry).toMatchObject({ amount_micros: -STABLE_AUDIO_2_5, usage: { clips: 1 } });
    const [upstream] = await upstreamRequests(marker, "stability");
    expect(upstream?.path).toBe("/v2beta/audio/stable-audio-2/text-to-audio");
    expect(upstream?.headers.authorization).toBe("Bearer sk-stability-fake-gateway-key");
    expect(upstream?.headers.accept).toBe("audio/*");
    expect(upstream?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const field = (name: string) =>
      new RegExp(`name="${name}"\\r\\n\\r\\n([^\\r]*)\\r\\n`).exec(upstream?.rawBody ?? "")?.[1];
    expect(field("prompt")).toBe(prompt);
    expect(field("model")).toBe("stable-audio-2.5");
    expect(field("duration")).toBe("20");
    expect(field("output_format")).toBe("mp3");
    expect(field("seed")).toBe("42");
  });

  it("stable-audio-2 charges its own clip price, and output_format wav is asked for", async () => {
    const { key } = await funded(100);
    const { marker, prompt } = marked();
    const res = await music(key, { model: "stability/stable-audio-2", prompt, duration: 190, output_format: "wav" });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(await account(key)).toMatchObject({ credits_micros: START - STABLE_AUDIO_2, held_micros: 0 });
    expect((await upstreamRequests(marker, "stability"))[0]?.rawBody).toMatch(/name="output_format"\r\n\r\nwav\r\n/);
  });

  it("a client that leaves mid-clip is charged in full, and the upstream call is dropped", async () => {
    const { key } = await funded(100);
    const { marker, prompt } = marked("[[parts:5]] [[delay:300]]");
    const res = await music(key, { model: "stability/stable-audio-2.5", prompt, duration: 30 });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect((await reader.read()).value?.length).toBeGreaterThan(0);
    await reader.cancel();
    expect(await settledAccount(key)).toMatchObject({ credits_micros: START - STABLE_AUDIO_2_5, held_micros: 0 });
    expect(await upstreamAborted(marker, "stability")).toBe(true);
  });
});

describe("POST /v1/audio/music: upstream errors cost nothing and leave no hold", () => {
  it("403 content_moderation is a 400 with Stability's reason, on the prompt", async () => {
    const { key } = await funded(100);
    const { prompt } = marked("[[scenario:error:403:content_moderation]]");
    const error = await expectError(
      await music(key, { model: "stability/stable-audio-2.5", prompt, duration: 10 }),
      400,
      "INVALID_REQUEST",
    );
    expect(error.param).toBe("prompt");
    expect(error.message).toMatch(
      /^Stability AI refused the request: Your request was flagged by our content moderation system/,
    );
    await expectNothingCharged(key);
  });

  it.each([
    [400, 400, "INVALID_REQUEST"],
    [401, 502, "PROVIDER_ERROR"],
    [402, 502, "PROVIDER_ERROR"],
    [413, 400, "INVALID_REQUEST"],
    [422, 400, "INVALID_REQUEST"],
    [429, 429, "PROVIDER_RATE_LIMITED"],
    [500, 502, "PROVIDER_ERROR"],
  ])("upstream %i answers %i %s", async (upstream, status, code) => {
    const { key } = await funded(100);
    const { prompt } = marked(`[[scenario:error:${upstream}]]`);
    const res = await music(key, { model: "stability/stable-audio-2.5", prompt, duration: 10 });
    const text = await res.clone().text();
    await expectError(res, status, code);
    expect(text).not.toMatch(/sk-|credits to make|payment/i);
    await expectNothingCharged(key);
  });

  it("an answer that stalls before its first byte is 504, nothing charged", async () => {
    const { key } = await funded(100);
    const { prompt } = marked("[[parts:2]] [[stall-after:0]]");
    await expectError(
      await music(key, { model: "stability/stable-audio-2.5", prompt, duration: 10 }),
      504,
      "PROVIDER_TIMEOUT",
    );
    await expectNothingCharged(key);
  });
});

describe("POST /v1/audio/music: requests refused before anything is held", () => {
  it.each([
    ["a duration under 1 s", { duration: 0.5 }, "duration"],
    ["a duration over 190 s", { duration: 191 }, "duration"],
    ["no duration", { duration: undefined }, "duration"],
    ["an output_format Stability does not make", { output_format: "flac" }, "output_format"],
    ["a negative seed", { seed: -1 }, "seed"],
    ["a seed over 4294967294", { seed: 4_294_967_295 }, "seed"],
    ["no prompt", { prompt: undefined }, "prompt"],
  ])("400 naming the field: %s", async (_, fields, param) => {
    const { key } = await funded(100);
    const { marker, prompt } = marked();
    const error = await expectError(
      await music(key, { model: "stability/stable-audio-2.5", prompt, duration: 10, ...fields }),
      400,
      "INVALID_REQUEST",
    );
    expect(error.param).toBe(param);
    expect(await upstreamRequests(marker, "stability")).toEqual([]);
    expect(await account(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  });

  it("404 for a speech model; 402 when the balance cannot cover the clip, with no upstream call", async () => {
    const { key } = await funded(10);
    await expectError(await music(key, { model: "openai/tts-1", prompt: "x", duration: 5 }), 404, "MODEL_NOT_FOUND");
    const { marker, prompt } = marked();
    const error = await expectError(
      await music(key, { model: "stability/stable-audio-2.5", prompt, duration: 5 }),
      402,
      "INSUFFICIENT_CREDITS",
    );
    expect(error.message).toContain("36 credits held; your balance is 10 credits");
    expect(await upstreamRequests(marker, "stability")).toEqual([]);
  });

  it("503 PROVIDER_NOT_CONFIGURED when STABILITY_API_KEY is unset", async () => {
    const { key } = await funded(100);
    const res = await gwWith(
      { STABILITY_API_KEY: undefined },
      "/v1/audio/music",
      json({ model: "stability/stable-audio-2.5", prompt: "x", duration: 5 }, bearer(key)),
    );
    const error = await expectError(res, 503, "PROVIDER_NOT_CONFIGURED");
    expect(error.message).toContain("Stability AI");
    expect(await account(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  });
});
