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
  usageEntries,
} from "../helpers/chat.ts";
import { expectError } from "../helpers/gateway.ts";

const START = 10_000_000;

async function expectNothingCharged(key: string) {
  expect(await account(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  expect(await usageEntries(key)).toEqual([]);
}

describe("upstream errors before the answer: mapped, released, nothing charged", () => {
  it("400 passes through as INVALID_REQUEST with the provider's message and param", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:error:400]]");
    const error = await expectError(await chat(key, { messages: [{ role: "user", content }] }), 400, "INVALID_REQUEST");
    expect(error.message).toContain("Unsupported parameter: 'max_tokens'");
    expect(error.param).toBe("max_tokens");
    await expectNothingCharged(key);
  });

  it.each([401, 403])("%i from the provider is PROVIDER_ERROR, without the provider's words or key", async (status) => {
    const { key } = await funded(10);
    const { content } = prompt(`[[scenario:error:${status}]]`);
    const res = await chat(key, { messages: [{ role: "user", content }] });
    const text = await res.clone().text();
    const error = await expectError(res, 502, "PROVIDER_ERROR");
    expect(error.type).toBe("provider_error");
    expect(text).not.toMatch(/sk-|api key|not allowed/i);
    await expectNothingCharged(key);
  });

  it.each([404, 500, 503])("%i from the provider is 502 PROVIDER_ERROR", async (status) => {
    const { key } = await funded(10);
    const { content } = prompt(`[[scenario:error:${status}]]`);
    await expectError(await chat(key, { messages: [{ role: "user", content }] }), 502, "PROVIDER_ERROR");
    await expectNothingCharged(key);
  });

  it("429 is PROVIDER_RATE_LIMITED with Retry-After", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:error:429]]");
    const res = await chat(key, { messages: [{ role: "user", content }] });
    expect(res.headers.get("retry-after")).toBe("7");
    const error = await expectError(res, 429, "PROVIDER_RATE_LIMITED");
    expect(error.type).toBe("provider_error");
    await expectNothingCharged(key);
  });

  it("an exhausted provider quota is PROVIDER_ERROR, not a rate limit the client should retry", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:error:429:insufficient_quota]]");
    const res = await chat(key, { messages: [{ role: "user", content }] });
    expect((await res.clone().text()).toLowerCase()).not.toContain("billing");
    await expectError(res, 502, "PROVIDER_ERROR");
    await expectNothingCharged(key);
  });

  it("a slow first byte past UPSTREAM_TIMEOUT_MS is 504 PROVIDER_TIMEOUT, and the upstream call is dropped", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt("[[slow-first-byte:3000]]");
    await expectError(await chat(key, { messages: [{ role: "user", content }] }), 504, "PROVIDER_TIMEOUT");
    await expectNothingCharged(key);
    expect(await upstreamAborted(marker)).toBe(true);
  });

  it("a slow first byte within the limit is fine", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[slow-first-byte:300]]");
    const res = await chat(key, { stream: true, messages: [{ role: "user", content }] });
    expect(res.status).toBe(200);
    expect(sseData(await res.text()).at(-1)).toBe("[DONE]");
  });

  it("an answer that is not JSON is PROVIDER_ERROR", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:bad-json]]");
    await expectError(await chat(key, { messages: [{ role: "user", content }] }), 502, "PROVIDER_ERROR");
    await expectNothingCharged(key);
  });

  it("an unreachable provider is PROVIDER_ERROR", async () => {
    const { gwWith, bearer, json } = await import("../helpers/gateway.ts");
    const { key } = await funded(10);
    const res = await gwWith(
      { OPENAI_BASE_URL: "http://127.0.0.1:9/v1" },
      "/v1/chat/completions",
      json({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] }, bearer(key)),
    );
    await expectError(res, 502, "PROVIDER_ERROR");
    await expectNothingCharged(key);
  });
});

describe("failures mid-stream: a final error frame, and what was streamed is charged", () => {
  /** The disconnect rule: input = ceil(input bytes / 4), output = ceil(bytes streamed / 4). */
  const interrupted = (content: string, bytes: number) => ({
    input: Math.ceil(utf8Bytes(content) / 4),
    output: Math.ceil(bytes / 4),
  });

  it.each([
    [
      "a stall past UPSTREAM_IDLE_TIMEOUT_MS",
      "[[scenario:long]] [[repeat:1:100]] [[stall-after:4]]",
      "PROVIDER_TIMEOUT",
    ],
    ["a reset connection", "[[scenario:long]] [[repeat:1:100]] [[reset-after:4]]", "PROVIDER_ERROR"],
    ["an error event from the provider", "[[scenario:long]] [[repeat:1:100]] [[error-mid-stream:4]]", "PROVIDER_ERROR"],
  ])("%s", async (_, directive, code) => {
    const { key } = await funded(10);
    const { content } = prompt(directive);
    const res = await chat(key, { stream: true, messages: [{ role: "user", content }] });
    expect(res.status).toBe(200);
    const frames = sseData(await res.text());
    expect(frames).not.toContain("[DONE]");
    const last = JSON.parse(frames.at(-1) as string) as { error: { code: string; request_id: string } };
    expect(last.error.code).toBe(code);
    expect(last.error.request_id).toBe(res.headers.get("x-request-id"));
    const streamed = streamedContent(frames.slice(0, -1));
    expect(streamed).toBe("token token token ");
    const expected = interrupted(content, streamed.length);
    const [entry] = await usageEntries(key);
    expect(entry?.usage).toEqual({ input: expected.input, output: expected.output });
    // gpt-4o-mini: $0.15 and $0.60 per 1M tokens x 1.8 / $0.01 per credit = 27 and 108 µcr per token
    const micros = expected.input * 27 + expected.output * 108;
    expect(await account(key)).toMatchObject({ credits_micros: START - micros, held_micros: 0 });
  });
});

describe("a client that disconnects", () => {
  it("is charged by the rule, leaves no hold, and the upstream call is aborted", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt("[[scenario:long]] [[repeat:1:400]] [[delay:10]]");
    const res = await chat(key, { stream: true, messages: [{ role: "user", content }] });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = "";
    while ((seen.match(/"content":"token "/g) ?? []).length < 3) {
      const { value } = await reader.read();
      seen += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const after = await settledAccount(key);
    expect(after.held_micros).toBe(0);
    const [entry] = await usageEntries(key);
    // DESIGN's fair estimate: ceil(input bytes / 4) when the provider reported none.
    expect(entry?.usage?.input).toBe(Math.ceil(utf8Bytes(content) / 4));
    // at least what the client saw, far less than the 400 tokens the provider would have sent
    expect(entry?.usage?.output).toBeGreaterThanOrEqual(Math.ceil(("token ".length * 3) / 4));
    expect(entry?.usage?.output).toBeLessThan(Math.ceil(("token ".length * 400) / 4));
    expect(after.credits_micros).toBe(START + (entry?.amount_micros ?? 0));
    expect(await upstreamAborted(marker)).toBe(true);
  });
});

describe("a client that leaves a plain call", () => {
  it("is charged the estimated input once the provider was called, and the upstream call is aborted", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt("[[stall-after:1]]");
    const client = new AbortController();
    const pending = chat(key, { messages: [{ role: "user", content }] }, "/v1/chat/completions", client.signal).catch(
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.abort();
    await pending;
    const after = await settledAccount(key);
    const input = Math.ceil(utf8Bytes(content) / 4);
    const [entry] = await usageEntries(key);
    expect(entry?.usage).toEqual({ input });
    expect(after).toMatchObject({ credits_micros: START - input * 27, held_micros: 0 });
    expect(await upstreamAborted(marker)).toBe(true);
  });
});
