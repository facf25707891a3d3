import { describe, expect, it, vi } from "vitest";
import { bytesOf, fixtureBytes, speech } from "../helpers/audio.ts";
import { account, type FakeProvider, funded, upstreamRequests, usageEntries } from "../helpers/chat.ts";
import { bearer, expectError, gw, gwWith, json, rapid } from "../helpers/gateway.ts";
import { securitySuite } from "../helpers/security.ts";

const START = 10_000_000;
/** Per character: catalog USD per 1K chars x 1.8 margin / $0.01 per credit, in µcr. */
const TTS_1 = 2_700; // $0.015
const TTS_1_HD = 5_400; // $0.03
const FLASH = 9_000; // $0.05
const MULTILINGUAL = 18_000; // $0.10
const VOICE = "JBFqnCBsd6RMkjVDRZzb";

const codePoints = (text: string) => [...text].length;
const marked = (text = "Hello from the gateway.") => {
  const marker = `m-${crypto.randomUUID()}`;
  return { marker, input: `${text} ${marker}` };
};

async function expectNothingHeldOrCharged(key: string, marker: string, provider: FakeProvider) {
  expect(await account(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  expect(await usageEntries(key)).toEqual([]);
  expect(await upstreamRequests(marker, provider)).toEqual([]);
}

describe("POST /v1/audio/speech: OpenAI", () => {
  it("answers the upstream's audio unchanged, as audio/mpeg, charged characters x the catalog price", async () => {
    const { key } = await funded(10);
    const { marker, input } = marked();
    const res = await speech(key, { model: "openai/tts-1", input, voice: "alloy" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    const charge = codePoints(input) * TTS_1;
    expect(res.headers.get("x-credits-charged")).toBe(String(charge / 1_000_000));
    expect(res.headers.get("x-credits-remaining")).toBe(String((START - charge) / 1_000_000));
    expect(await bytesOf(res)).toEqual(fixtureBytes("openai/speech"));
    expect(await account(key)).toMatchObject({ credits_micros: START - charge, held_micros: 0 });
    const [entry] = await usageEntries(key);
    expect(entry).toMatchObject({ amount_micros: -charge, usage: { characters: codePoints(input) } });
    const [upstream] = await upstreamRequests(marker);
    expect(upstream).toMatchObject({
      path: "/v1/audio/speech",
      body: { model: "tts-1", input, voice: "alloy", response_format: "mp3" },
    });
    expect(upstream?.headers.authorization).toBe("Bearer sk-fake-gateway-key");
    expect(upstream?.headers.accept).toBe("application/octet-stream");
  });

  it("counts characters as code points, not UTF-16 units: an emoji is one character", async () => {
    const { key } = await funded(10);
    const { input } = marked("Grüße 👋🏽 und 你好");
    expect(codePoints(input)).toBeLessThan(input.length);
    const res = await speech(key, { model: "openai/tts-1-hd", input, voice: "nova", response_format: "wav" });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(await account(key)).toMatchObject({ credits_micros: START - codePoints(input) * TTS_1_HD });
  });

  it("passes speed and the format through, and drops fields it does not know", async () => {
    const { key } = await funded(10);
    const { marker, input } = marked();
    const res = await speech(key, {
      model: "openai/tts-1",
      input,
      voice: "shimmer",
      response_format: "opus",
      speed: 1.25,
      stream_format: "audio",
      user: "someone",
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const [upstream] = await upstreamRequests(marker);
    expect(upstream?.body).toEqual({ model: "tts-1", input, voice: "shimmer", response_format: "opus", speed: 1.25 });
  });

  it("takes exactly 4,096 characters (code points) and refuses 4,097 with a 400 on input, before anything is held", async () => {
    const { key } = await funded(20);
    const four = "👋".repeat(4096); // 8,192 UTF-16 units
    const ok = await speech(key, { model: "openai/tts-1", input: four, voice: "alloy" });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    expect(await account(key)).toMatchObject({ credits_micros: 20_000_000 - 4096 * TTS_1, held_micros: 0 });
    const error = await expectError(
      await speech(key, { model: "openai/tts-1", input: `${four}!`, voice: "alloy" }),
      400,
      "INVALID_REQUEST",
    );
    expect(error.param).toBe("input");
    expect(error.message).toContain("4097 characters");
    expect(error.message).toContain("at most 4096");
  });
});

describe("POST /v1/audio/speech: ElevenLabs", () => {
  it("streams the upstream's audio unchanged, charged characters x the Flash price, character-cost recorded", async () => {
    const { key } = await funded(10);
    const { marker, input } = marked();
    const res = await speech(key, { model: "elevenlabs/eleven_flash_v2_5", input, voice: VOICE, speed: 1.1 });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    const charge = codePoints(input) * FLASH;
    expect(res.headers.get("x-credits-charged")).toBe(String(charge / 1_000_000));
    expect(await bytesOf(res)).toEqual(fixtureBytes("elevenlabs/speech"));
    expect(await account(key)).toMatchObject({ credits_micros: START - charge, held_micros: 0 });
    const [upstream] = await upstreamRequests(marker, "elevenlabs");
    expect(upstream?.path).toBe(`/v1/text-to-speech/${VOICE}/stream?output_format=mp3_44100_128`);
    expect(upstream?.headers["xi-api-key"]).toBe("xi-fake-gateway-key-0123456789");
    expect(upstream?.body).toEqual({ text: input, model_id: "eleven_flash_v2_5", voice_settings: { speed: 1.1 } });
  });

  it("records the character-cost header in the ledger entry GET /v1/usage shows, unpriced", async () => {
    const { key } = await funded(10);
    const { input } = marked();
    const res = await speech(key, { model: "elevenlabs/eleven_multilingual_v2", input, voice: VOICE });
    await res.arrayBuffer();
    const usage = (await (await gw("/v1/usage", { headers: bearer(key) })).json()) as {
      data: { reason: string; model: string; amount_micros: number; usage: Record<string, number> }[];
    };
    const entry = usage.data.find((e) => e.reason === "usage");
    // character_cost is the fixture's header (23), recorded as ElevenLabs sent it; only characters are priced.
    expect(entry).toMatchObject({
      model: "eleven_multilingual_v2",
      amount_micros: -codePoints(input) * MULTILINGUAL,
      usage: { characters: codePoints(input), character_cost: 23 },
    });
  });

  it.each([
    ["opus", "opus_48000_128"],
    ["pcm", "pcm_24000"],
    ["wav", "wav_44100"],
  ])("response_format %s asks ElevenLabs for %s", async (format, outputFormat) => {
    const { key } = await funded(10);
    const { marker, input } = marked();
    const res = await speech(key, {
      model: "elevenlabs/eleven_turbo_v2_5",
      input,
      voice: VOICE,
      response_format: format,
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const [upstream] = await upstreamRequests(marker, "elevenlabs");
    expect(new URL(upstream?.path ?? "", "http://x").searchParams.get("output_format")).toBe(outputFormat);
  });

  it("refuses input over the model's limit (eleven_v3: 5,000) before anything is held", async () => {
    const { key } = await funded(10);
    const { marker, input } = marked("x".repeat(5000));
    const error = await expectError(
      await speech(key, { model: "elevenlabs/eleven_v3", input, voice: VOICE }),
      400,
      "INVALID_REQUEST",
    );
    expect(error.param).toBe("input");
    await expectNothingHeldOrCharged(key, marker, "elevenlabs");
  });
});

describe("POST /v1/audio/speech: requests refused before anything is held", () => {
  it.each([
    [
      "aac for ElevenLabs",
      { model: "elevenlabs/eleven_flash_v2_5", voice: VOICE, response_format: "aac" },
      "response_format",
    ],
    [
      "flac for ElevenLabs",
      { model: "elevenlabs/eleven_flash_v2_5", voice: VOICE, response_format: "flac" },
      "response_format",
    ],
    ["a speed ElevenLabs does not take", { model: "elevenlabs/eleven_flash_v2_5", voice: VOICE, speed: 2 }, "speed"],
    ["a voice that is not an ElevenLabs id", { model: "elevenlabs/eleven_flash_v2_5", voice: "../voices" }, "voice"],
    ["a voice tts-1 does not have", { model: "openai/tts-1", voice: "marin" }, "voice"],
    ["instructions", { model: "openai/tts-1", voice: "alloy", instructions: "Whisper" }, "instructions"],
    [
      "instructions for ElevenLabs",
      { model: "elevenlabs/eleven_flash_v2_5", voice: VOICE, instructions: "x" },
      "instructions",
    ],
    [
      "an unknown response_format",
      { model: "openai/tts-1", voice: "alloy", response_format: "ogg" },
      "response_format",
    ],
    ["a speed above 4", { model: "openai/tts-1", voice: "alloy", speed: 4.5 }, "speed"],
    ["stream_format sse", { model: "openai/tts-1", voice: "alloy", stream_format: "sse" }, "stream_format"],
    ["no voice", { model: "openai/tts-1" }, "voice"],
  ])("400 naming the field: %s", async (_, fields, param) => {
    const { key } = await funded(10);
    const { marker, input } = marked();
    const error = await expectError(await speech(key, { input, ...fields }), 400, "INVALID_REQUEST");
    expect(error.param).toBe(param);
    const provider = String(fields.model).startsWith("elevenlabs") ? "elevenlabs" : "openai";
    await expectNothingHeldOrCharged(key, marker, provider);
  });

  it("400 for an empty or missing input", async () => {
    const { key } = await funded(10);
    for (const body of [{ input: "" }, {}]) {
      const error = await expectError(
        await speech(key, { model: "openai/tts-1", voice: "alloy", ...body }),
        400,
        "INVALID_REQUEST",
      );
      expect(error.param).toBe("input");
    }
  });

  it("404 for an unknown model or a model of another kind", async () => {
    const { key } = await funded(10);
    for (const model of ["openai/tts-9", "openai/gpt-4o-mini", "stability/stable-audio-2.5"]) {
      const error = await expectError(await speech(key, { model, input: "x", voice: "alloy" }), 404, "MODEL_NOT_FOUND");
      expect(error.param).toBe("model");
    }
  });

  it("410 MODEL_RETIRED for tts-1 and tts-1-hd from their shutdown day (2027-01-06), naming the replacement", async () => {
    const { key } = await funded(10);
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(new Date("2027-01-06T00:00:00Z"));
      for (const model of ["openai/tts-1", "openai/tts-1-hd"]) {
        const error = await expectError(await speech(key, { model, input: "x", voice: "alloy" }), 410, "MODEL_RETIRED");
        expect(error.message).toContain("elevenlabs/eleven_flash_v2_5");
      }
    } finally {
      vi.useRealTimers();
    }
    expect(await account(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  });

  it("402 INSUFFICIENT_CREDITS when the balance cannot cover the characters, with no upstream call", async () => {
    const { key } = await funded(0.01);
    const { marker, input } = marked("x".repeat(100));
    const error = await expectError(
      await speech(key, { model: "elevenlabs/eleven_flash_v2_5", input, voice: VOICE }),
      402,
      "INSUFFICIENT_CREDITS",
    );
    expect(error.message).toContain(`${(codePoints(input) * FLASH) / 1_000_000} credits held`);
    expect(await upstreamRequests(marker, "elevenlabs")).toEqual([]);
    expect(await account(key)).toMatchObject({ credits_micros: 10_000, held_micros: 0 });
  });

  it("503 PROVIDER_NOT_CONFIGURED when ELEVENLABS_API_KEY is unset, before anything is held", async () => {
    const { key } = await funded(10);
    const res = await gwWith(
      { ELEVENLABS_API_KEY: undefined },
      "/v1/audio/speech",
      json({ model: "elevenlabs/eleven_flash_v2_5", input: "x", voice: VOICE }, bearer(key)),
    );
    const error = await expectError(res, 503, "PROVIDER_NOT_CONFIGURED");
    expect(error.message).toContain("ElevenLabs");
    expect(await account(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  });

  it("RapidAPI callers are billed through X-RapidAPI-Billing, with no hold", async () => {
    const res = await gw(
      "/v1/audio/speech",
      json({ model: "openai/tts-1", input: "x", voice: "alloy" }, rapid(`alice-${crypto.randomUUID()}`)),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-rapidapi-billing")).toBe("Credits=1");
    expect(res.headers.get("x-credits-charged")).toBeNull();
  });
});

securitySuite("audio", "customer", [
  { method: "POST", path: "/v1/audio/speech", body: { model: "openai/tts-1", input: "x", voice: "alloy" } },
  { method: "POST", path: "/v1/audio/music", body: { model: "stability/stable-audio-2.5", prompt: "x", duration: 5 } },
  { method: "GET", path: "/v1/audio/voices?model=openai/tts-1" },
]);
