import { describe, expect, it } from "vitest";
import type { MusicRequest } from "../../src/capabilities/music/schemas.ts";
import { createScrubber } from "../../src/lib/scrub.ts";
import { findModel } from "../../src/metering/catalog.ts";
import { stability } from "../../src/providers/stability/index.ts";
import { readFixtureJson } from "../helpers/fixtures.ts";

const KEY = "sk-stability-test-key-0123456789";
const module = stability.create({
  apiKey: KEY,
  baseUrl: "https://api.stability.test",
  fetch: () => Promise.reject(new Error("unit tests make no calls")),
  scrub: createScrubber([KEY]),
  config: {} as never,
});
const offered = module.adapters.music;
if (!offered) throw new Error("stability offers music");
const music = offered;
const entry = findModel("stability/stable-audio-2.5");
if (!entry) throw new Error("catalog");

const request = (extra: Partial<MusicRequest> = {}): MusicRequest => ({
  model: "stability/stable-audio-2.5",
  prompt: "distant thunder over a quiet field",
  duration: 20,
  output_format: "mp3",
  ...extra,
});

describe("Stability music adapter", () => {
  it("posts multipart form fields to text-to-audio, asking for audio bytes, with a bearer key", () => {
    const built = music.buildRequest(request({ seed: 42 }), entry);
    expect(built.url).toBe("https://api.stability.test/v2beta/audio/stable-audio-2/text-to-audio");
    expect(built.init.method).toBe("POST");
    expect(built.init.headers).toEqual({ authorization: `Bearer ${KEY}`, accept: "audio/*" });
    const form = built.init.body as FormData;
    expect(form).toBeInstanceOf(FormData);
    expect(Object.fromEntries(form.entries())).toEqual({
      prompt: "distant thunder over a quiet field",
      model: "stable-audio-2.5",
      duration: "20",
      output_format: "mp3",
      seed: "42",
    });
  });

  it("sends the model's own id and no seed unless asked", () => {
    const two = findModel("stability/stable-audio-2");
    if (!two) throw new Error("catalog");
    const form = music.buildRequest(request({ output_format: "wav", duration: 1.5 }), two).init.body as FormData;
    expect(form.get("model")).toBe("stable-audio-2");
    expect(form.get("output_format")).toBe("wav");
    expect(form.get("duration")).toBe("1.5");
    expect(form.has("seed")).toBe(false);
  });
});

describe("Stability errors, through the shared policy", () => {
  const error = (status: number, name = String(status)) =>
    module.parseError(status, JSON.stringify(readFixtureJson("stability", `errors/${name}`)), new Headers());

  it("400 is the client's, naming the field its message starts with", () => {
    expect(error(400, "400-prompt")).toMatchObject({ code: "INVALID_REQUEST", param: "prompt" });
    expect(error(400, "400-prompt").message).toContain("prompt: is required");
  });

  it("403 content_moderation is a 400 with the provider's reason, on the prompt", () => {
    const mapped = error(403, "403-content_moderation");
    expect(mapped).toMatchObject({ code: "INVALID_REQUEST", param: "prompt" });
    expect(mapped.message).toContain("flagged by our content moderation system");
  });

  it("a 403 that is not moderation is the gateway's credentials; 401 too; 402 is the operator's account, without billing words", () => {
    const other = module.parseError(403, '{"id":"1","name":"forbidden","errors":["nope"]}', new Headers());
    expect(other.message).toContain("credentials");
    expect(error(401)).toMatchObject({ code: "PROVIDER_ERROR", retry: false });
    const empty = error(402);
    expect(empty).toMatchObject({ code: "PROVIDER_ERROR", retry: false });
    expect(empty.message).not.toMatch(/credit|billing|payment/i);
  });

  it("413 and 422 are 400s, 429 a rate limit, 500 a retryable PROVIDER_ERROR; no JSON still maps", () => {
    expect(error(413).code).toBe("INVALID_REQUEST");
    expect(error(422, "422-prompt")).toMatchObject({ code: "INVALID_REQUEST", param: "prompt" });
    expect(error(429).code).toBe("PROVIDER_RATE_LIMITED");
    expect(error(500)).toMatchObject({ code: "PROVIDER_ERROR", retry: true });
    expect(module.parseError(502, "<html>", new Headers()).code).toBe("PROVIDER_ERROR");
  });

  it("scrubs the gateway's key from the words it passes on", () => {
    const body = JSON.stringify({ id: "1", name: "bad_request", errors: [`authorization: ${KEY} is malformed`] });
    expect(module.parseError(400, body, new Headers()).message).not.toContain(KEY);
  });
});
