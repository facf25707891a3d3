import { describe, expect, it } from "vitest";
import { concat, fixtureBytes, speech, timedChunks } from "../helpers/audio.ts";
import {
  account,
  type FakeProvider,
  funded,
  settledAccount,
  upstreamAborted,
  upstreamRequests,
  usageEntries,
} from "../helpers/chat.ts";
import { expectError } from "../helpers/gateway.ts";

const START = 10_000_000;
const TTS_1 = 2_700;
const FLASH = 9_000;
const VOICE = "JBFqnCBsd6RMkjVDRZzb";
const codePoints = (text: string) => [...text].length;

const marked = (directives: string) => {
  const marker = `m-${crypto.randomUUID()}`;
  return { marker, input: `Hello from the gateway. ${directives} ${marker}` };
};

const MODELS = {
  openai: { model: "openai/tts-1", voice: "alloy", price: TTS_1 },
  elevenlabs: { model: "elevenlabs/eleven_flash_v2_5", voice: VOICE, price: FLASH },
} as const;

async function expectNothingCharged(key: string) {
  expect(await settledAccount(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  expect(await usageEntries(key)).toEqual([]);
}

describe.each(Object.entries(MODELS))("%s: audio is passed on as it arrives", (provider, { model, voice, price }) => {
  it("the first bytes reach the client long before the upstream finishes, unchanged, and the charge is in the head", async () => {
    const { key } = await funded(10);
    const { marker, input } = marked("[[parts:4]] [[delay:300]]");
    const t0 = Date.now();
    const res = await speech(key, { model, input, voice });
    expect(res.status).toBe(200);
    const charge = codePoints(input) * price;
    expect(res.headers.get("x-credits-charged")).toBe(String(charge / 1_000_000));
    const chunks = await timedChunks(res, t0);
    const total = Date.now() - t0;
    // The upstream takes 3 x 300 ms after its first part; the first bytes are here before the second part.
    expect(total).toBeGreaterThanOrEqual(850);
    expect(chunks[0]?.at).toBeLessThan(total - 600);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(concat(chunks.map((c) => c.bytes))).toEqual(fixtureBytes(`${provider}/speech`));
    expect(await account(key)).toMatchObject({ credits_micros: START - charge, held_micros: 0 });
    expect((await upstreamRequests(marker, provider as FakeProvider))[0]?.aborted).toBe(false);
  });

  it("a client that leaves mid-audio is charged in full, leaves no hold, and the upstream call is dropped", async () => {
    const { key } = await funded(10);
    const { marker, input } = marked("[[parts:6]] [[delay:300]]");
    const res = await speech(key, { model, input, voice });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(first.value?.length).toBeGreaterThan(0);
    await reader.cancel();
    const charge = codePoints(input) * price;
    expect(await settledAccount(key)).toMatchObject({ credits_micros: START - charge, held_micros: 0 });
    const [entry] = await usageEntries(key);
    expect(entry).toMatchObject({ amount_micros: -charge, usage: { characters: codePoints(input) } });
    expect(await upstreamAborted(marker, provider as FakeProvider)).toBe(true);
  });

  it("an upstream that breaks after the first bytes is charged in full (the provider accepted the call)", async () => {
    const { key } = await funded(10);
    const { input } = marked("[[parts:4]] [[reset-after:1]] [[delay:0]]");
    const res = await speech(key, { model, input, voice });
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect(await settledAccount(key)).toMatchObject({ credits_micros: START - codePoints(input) * price });
  });
});

describe.each(Object.entries(MODELS))(
  "%s: failures before the first byte cost nothing",
  (provider, { model, voice }) => {
    const cases = [
      {
        what: "a reset before the first byte",
        directives: "[[parts:2]] [[reset-after:0]]",
        status: 502,
        code: "PROVIDER_ERROR",
        drops: false,
      },
      {
        what: "a stall past UPSTREAM_IDLE_TIMEOUT_MS before the first byte",
        directives: "[[parts:2]] [[stall-after:0]]",
        status: 504,
        code: "PROVIDER_TIMEOUT",
        drops: true,
      },
      {
        what: "a head later than UPSTREAM_TIMEOUT_MS",
        directives: "[[slow-first-byte:3000]]",
        status: 504,
        code: "PROVIDER_TIMEOUT",
        drops: true,
      },
    ];
    it.each(cases)("$what: $status $code, no hold", async ({ directives, status, code, drops }) => {
      const { key } = await funded(10);
      const { marker, input } = marked(directives);
      await expectError(await speech(key, { model, input, voice }), status, code);
      await expectNothingCharged(key);
      // The gateway drops a stalled call; a reset one the upstream dropped itself.
      if (drops) expect(await upstreamAborted(marker, provider as FakeProvider)).toBe(true);
    });
  },
);

describe("a client that leaves once the provider has answered, before any audio", () => {
  it("is charged in full (the call was sent and accepted), and the upstream call is dropped", async () => {
    const { key } = await funded(10);
    const { marker, input } = marked("[[parts:2]] [[stall-after:0]]");
    const client = new AbortController();
    const pending = speech(key, { ...MODELS.openai, input }, client.signal).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.abort();
    await pending;
    expect(await settledAccount(key)).toMatchObject({
      credits_micros: START - codePoints(input) * TTS_1,
      held_micros: 0,
    });
    expect(await upstreamAborted(marker)).toBe(true);
  });
});

describe("OpenAI upstream errors: mapped, released, nothing charged", () => {
  it("an empty 200 answer is the provider's failure", async () => {
    const { key } = await funded(10);
    const { input } = marked("[[scenario:speech-empty]]");
    await expectError(await speech(key, { ...MODELS.openai, input }), 502, "PROVIDER_ERROR");
    await expectNothingCharged(key);
  });

  it.each([
    [400, "INVALID_REQUEST", 400],
    [401, "PROVIDER_ERROR", 502],
    [403, "PROVIDER_ERROR", 502],
    [429, "PROVIDER_RATE_LIMITED", 429],
    [500, "PROVIDER_ERROR", 502],
    [503, "PROVIDER_ERROR", 502],
  ])("upstream %i answers %s", async (upstream, code, status) => {
    const { key } = await funded(10);
    const { input } = marked(`[[scenario:error:${upstream}]]`);
    const res = await speech(key, { ...MODELS.openai, input });
    expect(await res.clone().text()).not.toMatch(/sk-/);
    await expectError(res, status, code);
    await expectNothingCharged(key);
  });
});

describe("ElevenLabs upstream errors: mapped, released, nothing charged", () => {
  const call = async (directive: string) => {
    const { key } = await funded(10);
    const { input } = marked(directive);
    return { key, res: await speech(key, { ...MODELS.elevenlabs, input }) };
  };

  it("401 invalid_api_key is PROVIDER_ERROR about the gateway's credentials, without the provider's words", async () => {
    const { key, res } = await call("[[scenario:error:401]]");
    const error = await expectError(res, 502, "PROVIDER_ERROR");
    expect(error.message).toContain("ElevenLabs refused the gateway's credentials");
    expect(res.headers.get("x-should-retry")).toBe("false");
    await expectNothingCharged(key);
  });

  it("401 quota_exceeded is the operator's quota: PROVIDER_ERROR with no billing words", async () => {
    const { key, res } = await call("[[scenario:error:401:quota_exceeded]]");
    const text = await res.clone().text();
    await expectError(res, 502, "PROVIDER_ERROR");
    expect(text).not.toMatch(/quota|credit|billing|credentials/i);
    await expectNothingCharged(key);
  });

  it("403 output_format_not_allowed is a 400 on response_format, without the operator's plan", async () => {
    const { key, res } = await call("[[scenario:error:403:output_format_not_allowed]]");
    const text = await res.clone().text();
    const error = await expectError(res, 400, "INVALID_REQUEST");
    expect(error.param).toBe("response_format");
    expect(text).not.toMatch(/tier|Pro /);
    await expectNothingCharged(key);
  });

  it.each([
    ["400 max_character_limit_exceeded (detail object)", "[[scenario:error:400]]", "input", /character limit/],
    ["422 validation (detail array)", "[[scenario:error:422]]", "input", /field required/],
    ["404 voice_not_found", "[[scenario:error:404:voice_not_found]]", "voice", /was not found/],
  ])("%s is a 400 naming the field, with the provider's words", async (_, directive, param, words) => {
    const { key, res } = await call(directive);
    const error = await expectError(res, 400, "INVALID_REQUEST");
    expect(error.param).toBe(param);
    expect(error.message).toMatch(words);
    await expectNothingCharged(key);
  });

  it("429 is PROVIDER_RATE_LIMITED and 500 PROVIDER_ERROR", async () => {
    const limited = await call("[[scenario:error:429]]");
    await expectError(limited.res, 429, "PROVIDER_RATE_LIMITED");
    await expectNothingCharged(limited.key);
    const failed = await call("[[scenario:error:500]]");
    await expectError(failed.res, 502, "PROVIDER_ERROR");
    await expectNothingCharged(failed.key);
  });
});
