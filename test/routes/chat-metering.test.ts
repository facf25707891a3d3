import { describe, expect, it } from "vitest";
import { utf8Bytes } from "../../src/lib/text.ts";
import {
  account,
  chat,
  funded,
  prompt,
  settledAccount,
  sseData,
  streamedContent,
  upstreamAborted,
  upstreamRequests,
  usageEntries,
} from "../helpers/chat.ts";
import { expectError, gw } from "../helpers/gateway.ts";

const START = 10_000_000;
/** gpt-4o-mini: $0.15 and $0.60 per 1M tokens x 1.8 / $0.01 per credit = 27 and 108 µcr per token. */
const IN = 27;
const OUT = 108;

describe("the output limit sent upstream is the one held", () => {
  it("a limit above the model's cap is held and sent as the cap", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const res = await chat(key, { max_completion_tokens: 1_000_000, messages: [{ role: "user", content }] });
    expect(res.status).toBe(200);
    const [upstream] = await upstreamRequests(marker);
    expect(upstream?.body.max_completion_tokens).toBe(16_384);
    expect(upstream?.body).not.toHaveProperty("max_tokens");
  });

  it("max_completion_tokens and max_tokens together: one field, the held value", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const res = await chat(key, {
      max_completion_tokens: 1,
      max_tokens: 100_000,
      messages: [{ role: "user", content }],
    });
    expect(res.status).toBe(200);
    const [upstream] = await upstreamRequests(marker);
    expect(upstream?.body.max_completion_tokens).toBe(1);
    expect(upstream?.body).not.toHaveProperty("max_tokens");
  });
});

describe("usage out of any sane range is the provider's failure", () => {
  it("plain: 502, nothing charged, no hold left", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:absurd-usage]]");
    await expectError(await chat(key, { messages: [{ role: "user", content }] }), 502, "PROVIDER_ERROR");
    expect(await account(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
    expect(await usageEntries(key)).toEqual([]);
  });

  it("streamed: a final error frame instead of [DONE], nothing charged, no hold left", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:absurd-usage]]");
    const res = await chat(key, { stream: true, messages: [{ role: "user", content }] });
    const frames = sseData(await res.text());
    expect(frames).not.toContain("[DONE]");
    expect(JSON.parse(frames.at(-1) as string)).toMatchObject({ error: { code: "PROVIDER_ERROR" } });
    expect(await settledAccount(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
    expect(await usageEntries(key)).toEqual([]);
  });
});

describe("interrupted calls: DESIGN's fair estimate", () => {
  it("usage reported early in a stream does not hide what streamed after it", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:early-usage]] [[repeat:2:200]] [[reset-after:100]] [[delay:0]]");
    const res = await chat(key, { stream: true, messages: [{ role: "user", content }] });
    const frames = sseData(await res.text());
    expect(JSON.parse(frames.at(-1) as string)).toMatchObject({ error: { code: "PROVIDER_ERROR" } });
    const streamed = streamedContent(frames.slice(0, -1));
    expect(streamed.length).toBeGreaterThan(400);
    const [entry] = await usageEntries(key);
    // input as reported (10), output the larger of reported (1) and ceil(bytes streamed / 4)
    expect(entry?.usage).toEqual({ input: 10, output: Math.ceil(streamed.length / 4) });
    expect(await settledAccount(key)).toMatchObject({
      credits_micros: START - 10 * IN - Math.ceil(streamed.length / 4) * OUT,
      held_micros: 0,
    });
  });

  it("a client that leaves is charged input ceil(bytes / 4) and never more output than it held", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt("[[scenario:long]] [[repeat:1:400]] [[delay:10]]");
    const res = await chat(key, { stream: true, max_tokens: 10, messages: [{ role: "user", content }] });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = "";
    // 12 x "token " = 72 bytes streamed: 18 tokens by bytes, more than the 10 held
    while ((seen.match(/"content":"token "/g) ?? []).length < 12) {
      const { value } = await reader.read();
      seen += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const after = await settledAccount(key);
    const [entry] = await usageEntries(key);
    const input = Math.ceil(utf8Bytes(content) / 4);
    expect(entry?.usage).toEqual({ input, output: 10 });
    expect(after).toMatchObject({ credits_micros: START - input * IN - 10 * OUT, held_micros: 0 });
    expect(await upstreamAborted(marker)).toBe(true);
  });
});

describe("provider words never carry a secret", () => {
  it("a provider 400 quoting the gateway's key reaches the client scrubbed", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:error:400:echo-key]]");
    const res = await chat(key, { messages: [{ role: "user", content }] });
    const text = await res.clone().text();
    const error = await expectError(res, 400, "INVALID_REQUEST");
    expect(text).not.toContain("sk-fake-gateway-key");
    expect(error.message).toContain("[redacted]");
    expect(await account(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  });
});

describe("stream credit headers", () => {
  it("documents that a stream's x-credits-remaining is sent before the call is charged", async () => {
    const doc = (await (await gw("/openapi.json")).json()) as {
      paths: Record<
        string,
        { post: { responses: Record<string, { headers: Record<string, { description: string }> }> } }
      >;
    };
    const headers = doc.paths["/v1/chat/completions"]?.post.responses["200"]?.headers ?? {};
    expect(headers["x-credits-remaining"]?.description).toMatch(/before the call is charged/);
  });
});
