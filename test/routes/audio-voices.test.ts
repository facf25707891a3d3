import { describe, expect, it, vi } from "vitest";
import { account, funded, upstreamRequests } from "../helpers/chat.ts";
import { bearer, expectError, gw, gwWith, newAccount, rapid } from "../helpers/gateway.ts";

type Voices = {
  object: string;
  model: string;
  data: { id: string; name: string; category: string | null; preview_url: string | null; labels: object }[];
};

const voices = (key: string, model: string) =>
  gw(`/v1/audio/voices?model=${encodeURIComponent(model)}`, { headers: bearer(key) });

/** The fake ElevenLabs' GET /v1/voices calls so far (GETs carry no body, so no marker: count them all). */
const voiceListCalls = async () => (await upstreamRequests("", "elevenlabs")).filter((r) => r.path === "/v1/voices");

describe("GET /v1/audio/voices", () => {
  it("OpenAI: the nine voices tts-1 and tts-1-hd take, free", async () => {
    const { key } = await funded(1);
    const res = await voices(key, "openai/tts-1-hd");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Voices;
    expect(body.object).toBe("list");
    expect(body.model).toBe("openai/tts-1-hd");
    expect(body.data.map((v) => v.id)).toEqual([
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
    expect(await account(key)).toMatchObject({ credits_micros: 1_000_000, held_micros: 0 });
  });

  it("ElevenLabs: the account's voices from GET /v1/voices, asked once per isolate, for every model", async () => {
    const { key } = await newAccount();
    const before = (await voiceListCalls()).length;
    const first = (await (await voices(key, "elevenlabs/eleven_flash_v2_5")).json()) as Voices;
    expect(first.model).toBe("elevenlabs/eleven_flash_v2_5");
    expect(first.data.map((v) => v.id)).toEqual([
      "JBFqnCBsd6RMkjVDRZzb",
      "9BWtsMINqrJLrRacOk9x",
      "sY1PlIhAZrLCSKUpEKql",
    ]);
    expect(first.data[0]).toMatchObject({ name: "George", category: "premade", labels: { accent: "british" } });
    const calls = await voiceListCalls();
    expect(calls.length).toBe(before + 1);
    expect(calls.at(-1)?.headers["xi-api-key"]).toBe("xi-fake-gateway-key-0123456789");
    const again = (await (await voices(key, "elevenlabs/eleven_v3")).json()) as Voices;
    expect(again.data).toEqual(first.data);
    expect((await voiceListCalls()).length).toBe(before + 1);
  });

  it("RapidAPI subscribers can list voices too (it is not metered)", async () => {
    const res = await gw("/v1/audio/voices?model=openai/tts-1", { headers: rapid("voices-user") });
    expect(res.status).toBe(200);
  });

  it("400 without a model; 404 for an unknown or non-speech model; 410 for a retired one", async () => {
    const { key } = await newAccount();
    expect(
      (await expectError(await gw("/v1/audio/voices", { headers: bearer(key) }), 400, "INVALID_REQUEST")).param,
    ).toBe("model");
    await expectError(await voices(key, "openai/tts-9"), 404, "MODEL_NOT_FOUND");
    await expectError(await voices(key, "openai/gpt-4o-mini"), 404, "MODEL_NOT_FOUND");
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(new Date("2027-02-01T00:00:00Z"));
      await expectError(await voices(key, "openai/tts-1"), 410, "MODEL_RETIRED");
    } finally {
      vi.useRealTimers();
    }
  });

  it("503 when ElevenLabs is not configured; 502 when it cannot be reached", async () => {
    const { key } = await newAccount();
    const path = "/v1/audio/voices?model=elevenlabs/eleven_flash_v2_5";
    await expectError(
      await gwWith({ ELEVENLABS_API_KEY: undefined }, path, { headers: bearer(key) }),
      503,
      "PROVIDER_NOT_CONFIGURED",
    );
    await expectError(
      await gwWith({ ELEVENLABS_BASE_URL: "http://127.0.0.1:9" }, path, { headers: bearer(key) }),
      502,
      "PROVIDER_ERROR",
    );
  });
});
