import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { fixtureBytes } from "../helpers/audio.ts";
import { account, funded, usageEntries } from "../helpers/chat.ts";
import { BASE, gw } from "../helpers/gateway.ts";

/** The official SDK, unchanged, pointed at the gateway (its fetch routed to the Worker under test). */
function sdk(apiKey: string) {
  return new OpenAI({
    apiKey,
    baseURL: `${BASE}/v1`,
    maxRetries: 0,
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      return gw(`${url.pathname}${url.search}`, init);
    },
  });
}

const START = 10_000_000;
const INPUT = "Hello from the official SDK, through the gateway.";
const characters = [...INPUT].length;

describe("the official openai SDK: audio.speech.create()", () => {
  it("openai/tts-1: the upstream's audio unchanged, and the balance drops by characters x the catalog price", async () => {
    const { key } = await funded(10);
    const response = await sdk(key).audio.speech.create({ model: "openai/tts-1", voice: "alloy", input: INPUT });
    expect(response.headers.get("content-type")).toBe("audio/mpeg");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(fixtureBytes("openai/speech"));
    // $0.015 per 1K characters x 1.8 / $0.01 per credit = 2,700 µcr per character
    expect(await account(key)).toMatchObject({ credits_micros: START - characters * 2_700, held_micros: 0 });
  });

  it("elevenlabs/eleven_flash_v2_5 with a voice id: the upstream's audio unchanged, exact charge, character-cost kept", async () => {
    const { key } = await funded(10);
    const response = await sdk(key).audio.speech.create({
      model: "elevenlabs/eleven_flash_v2_5",
      voice: "JBFqnCBsd6RMkjVDRZzb",
      input: INPUT,
    });
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(fixtureBytes("elevenlabs/speech"));
    // $0.05 per 1K characters x 1.8 / $0.01 per credit = 9,000 µcr per character
    expect(await account(key)).toMatchObject({ credits_micros: START - characters * 9_000, held_micros: 0 });
    const [entry] = await usageEntries(key);
    expect(entry?.usage).toEqual({ characters, character_cost: 23 });
  });

  it("a format ElevenLabs cannot make is the SDK's BadRequestError naming the field, and costs nothing", async () => {
    const { key } = await funded(10);
    const err = await sdk(key)
      .audio.speech.create({
        model: "elevenlabs/eleven_flash_v2_5",
        voice: "JBFqnCBsd6RMkjVDRZzb",
        input: INPUT,
        response_format: "flac",
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("response_format");
    expect(await account(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  });
});
