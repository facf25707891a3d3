import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { account, funded, MODEL, usageEntries } from "../helpers/chat.ts";
import { BASE, gw, gwWith } from "../helpers/gateway.ts";

/**
 * The official SDK, unchanged, pointed at the gateway (its fetch routed to the Worker under test,
 * or to the same gateway with some bindings changed).
 */
function sdk(
  apiKey: string,
  { maxRetries = 0, sent = [] as Response[], bindings = undefined as Record<string, string> | undefined } = {},
) {
  return new OpenAI({
    apiKey,
    baseURL: `${BASE}/v1`,
    maxRetries,
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const path = `${url.pathname}${url.search}`;
      const res = await (bindings ? gwWith(bindings, path, init) : gw(path, init));
      sent.push(res);
      return res;
    },
  });
}

describe("the official openai SDK as a client", () => {
  it("creates a completion", async () => {
    const { key } = await funded(10);
    const completion = await sdk(key).chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Say hi" }],
    });
    expect(completion.choices[0]?.message.content).toBe("Hi! How can I help you today?");
    expect(completion.usage?.total_tokens).toBe(25);
    expect((await account(key)).credits_micros).toBe(10_000_000 - 1404);
  });

  it("streams, with and without usage, and the two charge the same as a plain call", async () => {
    const { key } = await funded(10);
    const client = sdk(key);
    const text: string[] = [];
    let usage: unknown = null;
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Say hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      text.push(chunk.choices[0]?.delta.content ?? "");
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.join("")).toBe("Hi! How can I help you today?");
    expect(usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 9 });

    const plain = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Say hi" }],
      stream: true,
    });
    for await (const chunk of plain) expect(chunk.usage ?? null).toBeNull();

    const entries = await usageEntries(key);
    expect(entries.map((e) => e.amount_micros)).toEqual([-1404, -1404]);
    expect((await account(key)).credits_micros).toBe(10_000_000 - 2 * 1404);
  });

  it("surfaces gateway errors as the SDK's typed errors", async () => {
    const { key } = await funded(0.000001);
    const client = sdk(key);
    const err = await client.chat.completions
      .create({ model: MODEL, max_tokens: 1000, messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(402);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe("INSUFFICIENT_CREDITS");
    const notFound = await client.chat.completions
      .create({ model: "openai/nope", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("does not retry an error a retry cannot fix (503 PROVIDER_NOT_CONFIGURED), with its default retries", async () => {
    const { key } = await funded(1);
    const sent: Response[] = [];
    const err = await sdk(key, { maxRetries: 2, sent, bindings: { ANTHROPIC_API_KEY: "" } })
      .chat.completions.create({ model: "anthropic/claude-haiku-4-5", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect(sent.map((res) => res.headers.get("x-should-retry"))).toEqual(["false"]);
  });

  it("retries an upstream 5xx, which a retry can fix", async () => {
    const { key } = await funded(1);
    const sent: Response[] = [];
    const err = await sdk(key, { maxRetries: 1, sent })
      .chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "[[scenario:error:500]]" }] })
      .catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect(sent.map((res) => res.headers.get("x-should-retry"))).toEqual(["true", "true"]);
  });

  it("does not retry a provider error caused by the gateway's own provider key (upstream 401)", async () => {
    const { key } = await funded(1);
    const sent: Response[] = [];
    await sdk(key, { maxRetries: 2, sent })
      .chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "[[scenario:error:401]]" }] })
      .catch((e: unknown) => e);
    expect(sent.map((res) => [res.status, res.headers.get("x-should-retry")])).toEqual([[502, "false"]]);
  });
});
