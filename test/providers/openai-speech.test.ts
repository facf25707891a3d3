import { describe, expect, it } from "vitest";
import type { SpeechRequest } from "../../src/capabilities/speech/schemas.ts";
import { createScrubber } from "../../src/lib/scrub.ts";
import { findModel } from "../../src/metering/catalog.ts";
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
const offered = module.adapters.speech;
if (!offered) throw new Error("openai offers speech");
const speech = offered;
const entry = findModel("openai/tts-1");
if (!entry) throw new Error("catalog");

const request = (extra: Partial<SpeechRequest> = {}): SpeechRequest => ({
  model: "openai/tts-1",
  input: "Hello there.",
  voice: "alloy",
  response_format: "mp3",
  ...extra,
});

describe("OpenAI speech adapter", () => {
  it("sends OpenAI's own request with the bare model id, asking for bytes", () => {
    const built = speech.buildRequest(request({ response_format: "opus", speed: 1.5 }), entry);
    expect(built.url).toBe("https://api.openai.test/v1/audio/speech");
    expect(built.init.method).toBe("POST");
    expect(built.init.headers).toMatchObject({
      authorization: `Bearer ${KEY}`,
      "content-type": "application/json",
      accept: "application/octet-stream",
    });
    expect(JSON.parse(built.init.body as string)).toEqual({
      model: "tts-1",
      input: "Hello there.",
      voice: "alloy",
      response_format: "opus",
      speed: 1.5,
    });
  });

  it("leaves speed out unless asked, and passes every response_format through", () => {
    for (const format of ["mp3", "opus", "aac", "flac", "wav", "pcm"] as const) {
      const body = JSON.parse(speech.buildRequest(request({ response_format: format }), entry).init.body as string);
      expect(body.response_format).toBe(format);
      expect(body).not.toHaveProperty("speed");
    }
  });

  it("refuses instructions (tts-1 takes none) and voices tts-1 lacks, naming the field", () => {
    expect(() => speech.buildRequest(request({ instructions: "Speak softly" }), entry)).toThrow(
      expect.objectContaining({ code: "INVALID_REQUEST", param: "instructions" }),
    );
    for (const voice of ["marin", "cedar", "ballad", "verse", "Alloy", "voice_1234"]) {
      expect(() => speech.buildRequest(request({ voice }), entry), voice).toThrow(
        expect.objectContaining({ code: "INVALID_REQUEST", param: "voice" }),
      );
    }
  });

  it("lists the nine voices tts-1 and tts-1-hd take", async () => {
    const voices = await speech.voices(entry, { timeoutMs: 1000, requestId: "req_unit" });
    expect(voices.map((voice) => voice.id)).toEqual([
      "alloy",
      "ash",
      "coral",
      "echo",
      "fable",
      "onyx",
      "nova",
      "sage",
      "shimmer",
    ]);
    expect(voices[0]).toEqual({
      id: "alloy",
      name: "Alloy",
      category: null,
      description: null,
      preview_url: null,
      labels: {},
    });
  });

  it("has no unpriced notes: OpenAI bills the characters it was sent", () => {
    expect(speech.notes).toBeUndefined();
  });

  it("maps speech errors through the shared policy, like chat's", () => {
    const error = (status: number, name: string) =>
      module.parseError(status, JSON.stringify(readFixtureJson("openai", `errors/${name}`)), new Headers());
    expect(error(400, "400").code).toBe("INVALID_REQUEST");
    expect(error(401, "401").message).not.toMatch(/sk-|api key/i);
    expect(error(429, "429-insufficient_quota").code).toBe("PROVIDER_ERROR");
  });
});
