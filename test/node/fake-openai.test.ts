import OpenAI, { APIError, AuthenticationError, RateLimitError } from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, findRequest, startFakeOpenAI } from "../fakes/openai-server.ts";

let fake: FakeOpenAI;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  client = new OpenAI({ apiKey: "sk-fake", baseURL: fake.url, maxRetries: 0 });
});

afterAll(async () => {
  await fake?.close();
});

const user = (text: string) => [{ role: "user" as const, content: text }];

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

const waitFor = async (check: () => boolean, ms = 2000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe("fake OpenAI Chat Completions server, driven by the official SDK", () => {
  it("answers a plain completion with the fixture content, usage and headers", async () => {
    const { data, response, request_id } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: user("hello m-plain"), max_completion_tokens: 64 })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.model).toBe("gpt-4o-mini-2024-07-18");
    expect(data.choices[0]?.message.content).toBe("Hi! How can I help you today?");
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage).toMatchObject({
      prompt_tokens: 16,
      completion_tokens: 9,
      total_tokens: 25,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(request_id).toMatch(/^req_[0-9a-f]+$/);
    expect(response.headers.get("openai-version")).toBe("2020-10-01");
    expect(response.headers.get("openai-processing-ms")).toMatch(/^\d+$/);
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("59");

    const recorded = findRequest(fake.requests, "m-plain");
    expect(recorded).toBeDefined();
    expect(recorded?.method).toBe("POST");
    expect(recorded?.path).toBe("/v1/chat/completions");
    expect(recorded?.headers.authorization).toBe("Bearer sk-fake");
    expect(recorded?.body).toMatchObject({ model: "gpt-4o-mini", max_completion_tokens: 64 });
    expect(recorded?.aborted).toBe(false);
    expect(recorded?.requestId).toBe(request_id);
  });

  it("echoes a model that has no dated fixture snapshot", async () => {
    const res = await client.chat.completions.create({ model: "gpt-5.4-mini", messages: user("hi") });
    expect(res.model).toBe("gpt-5.4-mini");
  });

  it("reads the scenario from array content parts and replays the reasoning usage", async () => {
    const res = await client.chat.completions.create({
      model: "gpt-5-mini",
      messages: [
        { role: "user", content: "[[scenario:tool-call]] not this one" },
        { role: "user", content: [{ type: "text", text: "[[scenario:reasoning]] 17*23?" }] },
      ],
    });
    expect(res.model).toBe("gpt-5-mini-2025-08-07");
    expect(res.usage?.completion_tokens_details?.reasoning_tokens).toBe(128);
    expect(res.usage?.prompt_tokens_details?.cached_tokens).toBe(8);
    expect(res.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 150, total_tokens: 170 });
  });

  it("streams with include_usage: usage null on every chunk, then a choices:[] usage chunk, then [DONE]", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: user("[[delay:1]] stream please"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("Hi! How can I help you today?");
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 9, total_tokens: 25 });
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it("streams without include_usage: no usage key and no usage chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: user("[[delay:0]] stream"),
      stream: true,
    });
    const chunks = await collect(stream);
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    expect(chunks.every((c) => !("usage" in c))).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("streams a tool call whose argument deltas concatenate to JSON", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: user("[[scenario:tool-call]] [[delay:0]] weather in NYC?"),
      tools: [
        {
          type: "function",
          function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
        },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]?.id).toMatch(/^call_/);
    expect(calls[0]?.function?.name).toBe("get_weather");
    expect(calls.slice(1).every((c) => c.id === undefined && c.index === 0)).toBe(true);
    const args = calls.map((c) => c.function?.arguments ?? "").join("");
    expect(calls.length).toBeGreaterThan(3);
    expect(JSON.parse(args)).toEqual({ city: "New York City" });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 44, completion_tokens: 16 });
  });

  it("streams long:<n> as n deltas with completion_tokens n", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: user("[[scenario:long:25]] [[delay:0]]"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    const deltas = chunks.map((c) => c.choices[0]?.delta.content).filter((c) => c);
    expect(deltas).toHaveLength(25);
    expect(deltas.every((d) => d === "token ")).toBe(true);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 25 });
  });

  it("echoes the max tokens fields it received", async () => {
    const res = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: user("[[scenario:max-tokens-echo]]"),
      max_completion_tokens: 321,
    });
    expect(JSON.parse(res.choices[0]?.message.content ?? "")).toEqual({ max_tokens: null, max_completion_tokens: 321 });
  });

  it("error:429 throws RateLimitError with retry headers", async () => {
    const err = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: user("[[scenario:error:429]]") })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    const rate = err as RateLimitError;
    expect(rate.status).toBe(429);
    expect(rate.code).toBe("rate_limit_exceeded");
    expect(rate.headers.get("retry-after")).toBe("7");
    expect(rate.headers.get("retry-after-ms")).toBe("7000");
    expect(rate.headers.get("x-ratelimit-limit-requests")).toBe("60");
    expect(rate.requestID).toMatch(/^req_/);
  });

  it("the sk-fake-wrong key throws AuthenticationError", async () => {
    const wrong = new OpenAI({ apiKey: "sk-fake-wrong", baseURL: fake.url, maxRetries: 0 });
    const err = await wrong.chat.completions
      .create({ model: "gpt-4o-mini", messages: user("hi") })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).status).toBe(401);
    expect((err as AuthenticationError).code).toBe("invalid_api_key");
  });

  it("other paths answer 404 with an OpenAI error body", async () => {
    const res = await fetch(`${fake.url}/models`, { headers: { authorization: "Bearer sk-fake" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    expect(await res.json()).toEqual({
      error: { message: "Invalid URL (GET /v1/models)", type: "invalid_request_error", param: null, code: null },
    });
  });

  it("reset-after:2 makes the SDK stream throw", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: user("[[scenario:reset-after:2]] [[delay:1]] m-reset"),
      stream: true,
    });
    const seen: ChatCompletionChunk[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) seen.push(chunk);
      })(),
    ).rejects.toThrow();
    expect(seen.filter((c) => c.choices[0]?.delta.content).length).toBe(2);
    expect(findRequest(fake.requests, "m-reset")?.aborted).toBe(false);
  });

  it("error-mid-stream:2 makes the SDK throw an APIError", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: user("[[scenario:error-mid-stream:2]] [[delay:1]]"),
      stream: true,
    });
    const seen: ChatCompletionChunk[] = [];
    const err = await (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).message).toContain("The server had an error while processing your request");
    expect(seen.filter((c) => c.choices[0]?.delta.content).length).toBe(2);
  });
});

describe("fake OpenAI raw wire checks", () => {
  const post = (body: unknown, init: RequestInit = {}) =>
    fetch(`${fake.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-fake", "content-type": "application/json" },
      body: JSON.stringify(body),
      ...init,
    });

  it("slow-first-byte delays the headers, and the SSE body is framed like OpenAI's", async () => {
    const t0 = Date.now();
    const res = await post({
      model: "gpt-4o-mini",
      messages: user("[[scenario:slow-first-byte:300]] [[delay:0]]"),
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(Number(res.headers.get("openai-processing-ms"))).toBeGreaterThanOrEqual(250);
    const text = await res.text();
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(text).not.toContain("event:");
    const frames = text.split("\n\n").filter((f) => f !== "");
    expect(frames.every((f) => f.startsWith("data: ") && !f.includes("\n"))).toBe(true);
    const payloads = frames.slice(0, -1).map((f) => JSON.parse(f.slice("data: ".length)));
    expect(payloads.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 25 } });
    expect(payloads.every((p) => typeof p.obfuscation === "string")).toBe(true);
  });

  it("include_obfuscation:false drops the obfuscation field", async () => {
    const res = await post({
      model: "gpt-4o-mini",
      messages: user("[[delay:0]]"),
      stream: true,
      stream_options: { include_obfuscation: false },
    });
    const text = await res.text();
    expect(text).not.toContain("obfuscation");
    expect(text).not.toContain('"usage"');
  });

  it("bad-json answers 200 application/json that does not parse", async () => {
    const res = await post({ model: "gpt-4o-mini", messages: user("[[scenario:bad-json]]") });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it("records aborted:true when the client aborts a stalled stream", async () => {
    const controller = new AbortController();
    const res = await post(
      { model: "gpt-4o-mini", messages: user("[[scenario:stall-after:1]] [[delay:0]] m-stall"), stream: true },
      { signal: controller.signal },
    );
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let seen = "";
    while ((seen.match(/data: /g) ?? []).length < 2) {
      const { value, done } = await reader.read();
      if (done) throw new Error("stream ended early");
      seen += decoder.decode(value, { stream: true });
    }
    const recorded = findRequest(fake.requests, "m-stall");
    expect(recorded?.body).toMatchObject({ model: "gpt-4o-mini", stream: true });
    expect(recorded?.aborted).toBe(false);
    controller.abort();
    await waitFor(() => recorded?.aborted === true);
    expect(recorded?.aborted).toBe(true);
  });

  it("close() ends a stalled stream without marking it aborted", async () => {
    const other = await startFakeOpenAI();
    const res = await fetch(`${other.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-fake", "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: user("[[scenario:stall-after:1]]"), stream: true }),
    });
    const body = res.text().catch((e: unknown) => e);
    await other.close();
    expect(await body).toBeInstanceOf(Error);
    expect(other.requests[0]?.aborted).toBe(false);
  });
});
