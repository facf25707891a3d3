import { describe, expect, it } from "vitest";
import type { SpeechRequest } from "../../src/capabilities/speech/schemas.ts";
import { createScrubber } from "../../src/lib/scrub.ts";
import { findModel } from "../../src/metering/catalog.ts";
import { elevenLabsApi } from "../../src/providers/elevenlabs/api.ts";
import { elevenlabs } from "../../src/providers/elevenlabs/index.ts";
import { elevenLabsVoices, VOICES_TTL_MS } from "../../src/providers/elevenlabs/voices.ts";
import type { ProviderModule } from "../../src/providers/types.ts";
import { providerDir, readCase } from "../fakes/fixtures.ts";
import { readFixtureJson } from "../helpers/fixtures.ts";

const KEY = "xi-test-gateway-key-0123456789";
const BASE = "https://api.elevenlabs.test";

function build(fetcher: typeof fetch = () => Promise.reject(new Error("no calls"))): ProviderModule {
  return elevenlabs.create({
    apiKey: KEY,
    baseUrl: BASE,
    fetch: fetcher,
    scrub: createScrubber([KEY]),
    config: {} as never,
  });
}
const module = build();
const offered = module.adapters.speech;
if (!offered) throw new Error("elevenlabs offers speech");
const speech = offered;
const flash = findModel("elevenlabs/eleven_flash_v2_5");
if (!flash) throw new Error("catalog");
const VOICE = "JBFqnCBsd6RMkjVDRZzb";

const request = (extra: Partial<SpeechRequest> = {}): SpeechRequest => ({
  model: "elevenlabs/eleven_flash_v2_5",
  input: "The first move is what sets everything in motion.",
  voice: VOICE,
  response_format: "mp3",
  ...extra,
});

describe("ElevenLabs speech adapter: requests", () => {
  it("streams from /v1/text-to-speech/{voice}/stream with the key in xi-api-key and model_id from the model", () => {
    const built = speech.buildRequest(request(), flash);
    expect(built.url).toBe(`${BASE}/v1/text-to-speech/${VOICE}/stream?output_format=mp3_44100_128`);
    expect(built.init.method).toBe("POST");
    expect(built.init.headers).toMatchObject({ "xi-api-key": KEY, "content-type": "application/json" });
    expect(built.init.headers).not.toHaveProperty("authorization");
    expect(JSON.parse(built.init.body as string)).toEqual({
      text: "The first move is what sets everything in motion.",
      model_id: "eleven_flash_v2_5",
    });
  });

  it("puts speed in voice_settings.speed", () => {
    const body = JSON.parse(speech.buildRequest(request({ speed: 1.1 }), flash).init.body as string);
    expect(body.voice_settings).toEqual({ speed: 1.1 });
  });

  it("maps response_format onto output_format; aac and flac are a 400 naming the field", () => {
    const query = (format: SpeechRequest["response_format"]) =>
      new URL(speech.buildRequest(request({ response_format: format }), flash).url).searchParams.get("output_format");
    expect(query("mp3")).toBe("mp3_44100_128");
    expect(query("opus")).toBe("opus_48000_128");
    expect(query("pcm")).toBe("pcm_24000");
    expect(query("wav")).toBe("wav_44100");
    for (const format of ["aac", "flac"] as const) {
      expect(() => speech.buildRequest(request({ response_format: format }), flash)).toThrow(
        expect.objectContaining({ code: "INVALID_REQUEST", param: "response_format" }),
      );
    }
  });

  it("refuses a voice that is not an id (it goes into the path), a speed outside 0.7-1.2, and instructions", () => {
    for (const voice of ["../../v1/voices", "a/b", "sp ace", "é"]) {
      expect(() => speech.buildRequest(request({ voice }), flash), voice).toThrow(
        expect.objectContaining({ code: "INVALID_REQUEST", param: "voice" }),
      );
    }
    for (const speed of [0.69, 1.21, 4]) {
      expect(() => speech.buildRequest(request({ speed }), flash), String(speed)).toThrow(
        expect.objectContaining({ code: "INVALID_REQUEST", param: "speed" }),
      );
    }
    expect(speech.buildRequest(request({ speed: 0.7 }), flash).url).toContain(VOICE);
    expect(() => speech.buildRequest(request({ instructions: "whisper" }), flash)).toThrow(
      expect.objectContaining({ param: "instructions" }),
    );
  });
});

describe("ElevenLabs speech adapter: the character-cost header", () => {
  it("is read from the recorded answer's head as an unpriced note", () => {
    const recorded = readCase(providerDir("elevenlabs"), "speech", false);
    expect(recorded?.body.kind).toBe("bin");
    expect(speech.notes?.(new Headers(recorded?.headers))).toEqual({ character_cost: 23 });
  });

  it("is left out when absent or not a whole number", () => {
    for (const value of [undefined, "", "12.5", "-3", "lots"]) {
      const headers = new Headers(value === undefined ? {} : { "character-cost": value });
      expect(speech.notes?.(headers), String(value)).toEqual({});
    }
  });
});

describe("ElevenLabs errors, through the shared policy", () => {
  const error = (status: number, name: string) =>
    module.parseError(status, JSON.stringify(readFixtureJson("elevenlabs", `errors/${name}`)), new Headers());

  it("401 invalid_api_key: the gateway's credentials, in its own words", () => {
    const mapped = error(401, "401");
    expect(mapped).toMatchObject({ code: "PROVIDER_ERROR", retry: false });
    expect(mapped.message).toContain("credentials");
    expect(mapped.message).not.toMatch(/invalid api key/i);
  });

  it("401 quota_exceeded: the operator's quota, PROVIDER_ERROR with no billing words", () => {
    const mapped = error(401, "401-quota_exceeded");
    expect(mapped).toMatchObject({ code: "PROVIDER_ERROR", retry: false });
    expect(mapped.message).not.toMatch(/quota|credit|billing|credentials/i);
  });

  it("403 output_format_not_allowed: a 400 on response_format, without the operator's plan", () => {
    const mapped = error(403, "403-output_format_not_allowed");
    expect(mapped).toMatchObject({ code: "INVALID_REQUEST", param: "response_format" });
    expect(mapped.message).not.toMatch(/tier|pro|pcm_44100/i);
  });

  it("the detail object names the field: max_character_limit_exceeded is input, voice_not_found is voice", () => {
    expect(error(400, "400")).toMatchObject({ code: "INVALID_REQUEST", param: "input" });
    expect(error(400, "400").message).toContain("exceeds the character limit");
    expect(error(404, "404-voice_not_found")).toMatchObject({ code: "INVALID_REQUEST", param: "voice" });
  });

  it("the detail array (FastAPI validation) names the field by its gateway name", () => {
    const mapped = error(422, "422");
    expect(mapped).toMatchObject({ code: "INVALID_REQUEST", param: "input" });
    expect(mapped.message).toContain("input: field required");
    const speed = module.parseError(
      422,
      JSON.stringify({ detail: [{ loc: ["body", "voice_settings", "speed"], msg: "too fast", type: "x" }] }),
      new Headers(),
    );
    expect(speed).toMatchObject({ param: "speed" });
  });

  it("429 is a rate limit, 5xx a retryable PROVIDER_ERROR; a string detail or no JSON still maps", () => {
    expect(error(429, "429").code).toBe("PROVIDER_RATE_LIMITED");
    expect(error(500, "500")).toMatchObject({ code: "PROVIDER_ERROR", retry: true });
    expect(module.parseError(404, '{"detail":"Not Found"}', new Headers()).code).toBe("PROVIDER_ERROR");
    expect(module.parseError(502, "<html>", new Headers()).code).toBe("PROVIDER_ERROR");
  });

  it("scrubs the gateway's key from words it passes on", () => {
    const body = JSON.stringify({ detail: { status: "bad_request", message: `bad key ${KEY} in text` } });
    expect(module.parseError(400, body, new Headers()).message).not.toContain(KEY);
  });
});

describe("ElevenLabs voices", () => {
  const voicesJson = JSON.stringify(readFixtureJson("elevenlabs", "voices"));
  const counting = (answer: () => Response) => {
    const calls: { url: string; init?: RequestInit }[] = [];
    const fetcher: typeof fetch = async (input, init) => {
      calls.push({ url: String(input), ...(init ? { init } : {}) });
      return answer();
    };
    return { calls, fetcher };
  };

  it("lists GET /v1/voices as the gateway's voices, with the key, in one call per isolate", async () => {
    const { calls, fetcher } = counting(() => new Response(voicesJson, { status: 200 }));
    const adapter = build(fetcher).adapters.speech;
    const voices = await adapter?.voices(flash, { timeoutMs: 1000, requestId: "req_unit" });
    expect(voices?.map((v) => v.id)).toEqual(["JBFqnCBsd6RMkjVDRZzb", "9BWtsMINqrJLrRacOk9x", "sY1PlIhAZrLCSKUpEKql"]);
    expect(voices?.[0]).toMatchObject({
      id: "JBFqnCBsd6RMkjVDRZzb",
      name: "George",
      category: "premade",
      description: null,
      labels: { accent: "british", gender: "male" },
    });
    expect(voices?.[0]?.preview_url).toMatch(/^https:\/\//);
    expect(voices?.[2]).toMatchObject({ preview_url: null, labels: {} });
    expect(calls[0]?.url).toBe(`${BASE}/v1/voices`);
    expect(calls[0]?.init?.method).toBe("GET");
    expect(new Headers(calls[0]?.init?.headers).get("xi-api-key")).toBe(KEY);
    await adapter?.voices(flash, { timeoutMs: 1000, requestId: "req_unit" });
    expect(calls).toHaveLength(1);
  });

  it("asks again once the cached list is older than VOICES_TTL_MS; a failure is not cached", async () => {
    let now = 1_000_000;
    let fail = true;
    const { calls, fetcher } = counting(() =>
      fail ? new Response("{}", { status: 503 }) : new Response(voicesJson, { status: 200 }),
    );
    const upstream = { id: "elevenlabs", name: "ElevenLabs", fetch: fetcher, parseError: module.parseError };
    const voices = elevenLabsVoices(elevenLabsApi(KEY, BASE), upstream, () => now);
    const options = { timeoutMs: 1000, requestId: "req_unit" };
    await expect(voices(flash, options)).rejects.toMatchObject({ code: "PROVIDER_ERROR", retry: true });
    fail = false;
    await voices(flash, options);
    await voices(flash, options);
    expect(calls).toHaveLength(2);
    now += VOICES_TTL_MS;
    await voices(flash, options);
    expect(calls).toHaveLength(3);
  });

  it("maps upstream errors and unreadable lists to provider errors", async () => {
    const refused = build(
      async () => new Response(JSON.stringify(readFixtureJson("elevenlabs", "errors/401")), { status: 401 }),
    );
    await expect(refused.adapters.speech?.voices(flash, { timeoutMs: 1000, requestId: "r" })).rejects.toMatchObject({
      code: "PROVIDER_ERROR",
      retry: false,
    });
    const garbled = build(async () => new Response('{"voices":[{"name":"no id"}]}', { status: 200 }));
    await expect(garbled.adapters.speech?.voices(flash, { timeoutMs: 1000, requestId: "r" })).rejects.toMatchObject({
      code: "PROVIDER_ERROR",
    });
  });
});
