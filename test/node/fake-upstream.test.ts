import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createParser } from "eventsource-parser";
import OpenAI, { APIError, AuthenticationError, RateLimitError } from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUpstream, findRequests, startFakeUpstream } from "../fakes/upstream.ts";
import { fixtureEvents, readFixtureJson, type SseEvent } from "../helpers/fixtures.ts";

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let google: FakeUpstream;
let demo: FakeUpstream;
let sdk: OpenAI;
const KEY = "sk-fake-test-key-1234";

/** A provider that exists only in a temp folder: a multipart route answering bytes and raw text. */
function demoFixtures(): string {
  const root = mkdtempSync(join(tmpdir(), "fake-upstream-"));
  mkdirSync(join(root, "demo", "errors"), { recursive: true });
  const write = (file: string, content: string | Buffer) => writeFileSync(join(root, "demo", file), content);
  write(
    "provider.json",
    JSON.stringify({
      routes: [{ method: "POST", path: "^/v2/audio/(?<model>[a-z0-9-]+)$", default: "speech" }],
      auth: { header: "authorization", scheme: "Bearer" },
      sse: { eventField: null, terminator: null },
    }),
  );
  write("speech.bin", Buffer.from([0xff, 0xfb, 0x90, 0x00, 0x01, 0x02, 0x03, 0x04]));
  write("speech.headers.json", JSON.stringify({ headers: { "content-type": "audio/mpeg", "x-cost": "3" } }));
  write("html.raw", "<html><body>502 Bad Gateway for {{model}}</body></html>");
  write("html.headers.json", JSON.stringify({ status: 502, headers: { "content-type": "text/html" } }));
  write("errors/401.json", JSON.stringify({ error: "no key" }));
  return root;
}

beforeAll(async () => {
  [openai, anthropic, google, demo] = await Promise.all([
    startFakeUpstream("openai"),
    startFakeUpstream("anthropic"),
    startFakeUpstream("google"),
    startFakeUpstream("demo", { fixturesRoot: demoFixtures() }),
  ]);
  sdk = new OpenAI({ apiKey: KEY, baseURL: `${openai.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await Promise.all([openai?.close(), anthropic?.close(), google?.close(), demo?.close()]);
});

const marker = () => `m-${crypto.randomUUID()}`;
const user = (text: string) => [{ role: "user" as const, content: text }];
const postOpenAI = (body: Record<string, unknown>, init: RequestInit = {}) =>
  fetch(`${openai.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", ...body }),
    ...init,
  });

/** The SSE events of a body, parsed with eventsource-parser (what the gateway uses). */
function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({
    onEvent: ({ event, data }) => events.push(event === undefined ? { data } : { event, data }),
  });
  parser.feed(text);
  return events;
}

/** Reads what arrives within `ms`; `done` says whether the body ended. */
async function readFor(res: Response, ms: number): Promise<{ text: string; done: boolean; error?: unknown }> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const until = Date.now() + ms;
  let text = "";
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) return { text, done: false };
    const next = await Promise.race([
      reader.read().catch((error: unknown) => ({ error })),
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), left)),
    ]);
    if (next === "timeout") return { text, done: false };
    if ("error" in next) return { text, done: false, error: next.error };
    if (next.done) return { text, done: true };
    text += decoder.decode(next.value, { stream: true });
  }
}

const waitFor = async (check: () => boolean, ms = 2000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe("three framings from one server", () => {
  it("openai: data-only frames ending in [DONE], exactly the fixture's events", async () => {
    const res = await postOpenAI({ messages: user("hi"), stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]+$/);
    const text = await res.text();
    expect(text).not.toContain("event:");
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    const events = parseSse(text);
    expect(events).toEqual(fixtureEvents("openai", "text"));
    expect(JSON.parse(events.at(-2)?.data ?? "")).toMatchObject({ choices: [], usage: { total_tokens: 25 } });
  });

  it("anthropic: every frame named by its type, no terminator", async () => {
    const res = await fetch(`${anthropic.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-haiku-4-5", max_tokens: 64, messages: user("hi"), stream: true }),
    });
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    const text = await res.text();
    expect(text.startsWith('event: message_start\ndata: {"type":"message_start"')).toBe(true);
    const events = parseSse(text);
    expect(events).toEqual(fixtureEvents("anthropic", "text"));
    for (const event of events) expect(event.event).toBe(JSON.parse(event.data).type);
    expect(events.at(-1)).toEqual({ event: "message_stop", data: '{"type":"message_stop"}' });
    const plain = await fetch(`${anthropic.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "sk-ant-test", "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-haiku-4-5", max_tokens: 64, messages: user("hi") }),
    });
    expect(await plain.json()).toEqual(readFixtureJson("anthropic", "text"));
  });

  it("google: generateContent answers JSON, streamGenerateContent streams without a terminator", async () => {
    const headers = { "x-goog-api-key": "AIza-test", "content-type": "application/json" };
    const body = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });
    const stream = await fetch(`${google.url}/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse`, {
      method: "POST",
      headers,
      body,
    });
    const events = parseSse(await stream.text());
    expect(events).toEqual(fixtureEvents("google", "text"));
    expect(events.every((e) => e.event === undefined)).toBe(true);
    expect(JSON.parse(events.at(-1)?.data ?? "").candidates[0].finishReason).toBe("STOP");
    const plain = await fetch(`${google.url}/v1beta/models/gemini-3-pro-preview:generateContent`, {
      method: "POST",
      headers,
      body,
    });
    expect(await plain.json()).toEqual(readFixtureJson("google", "text"));
    // the key may also travel as ?key=; the model comes from the path
    const missing = await fetch(`${google.url}/v1beta/models/gemini-nope:generateContent?key=AIza-q`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body.replace("hi", "[[scenario:error:404]]"),
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/^models\/gemini-nope /);
  });

  it("google: never reports more thinking and output than the request's maxOutputTokens", async () => {
    const headers = { "x-goog-api-key": "AIza-test", "content-type": "application/json" };
    const ask = (path: string, maxOutputTokens?: number) =>
      fetch(`${google.url}/v1beta/models/gemini-3-pro-preview:${path}`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          contents: [{ role: "user", parts: [{ text: "hi" }] }],
          ...(maxOutputTokens === undefined ? {} : { generationConfig: { maxOutputTokens } }),
        }),
      });
    type Usage = {
      promptTokenCount: number;
      candidatesTokenCount: number;
      thoughtsTokenCount: number;
      totalTokenCount: number;
    };
    const recorded = (readFixtureJson("google", "text") as { usageMetadata: Usage }).usageMetadata;
    expect(recorded).toMatchObject({
      promptTokenCount: 9,
      thoughtsTokenCount: 244,
      candidatesTokenCount: 28,
      totalTokenCount: 281,
    });
    // Thinking is spent first: 100 of it, no answer tokens left; the total drops with them.
    const capped = (await (await ask("generateContent", 100)).json()) as { usageMetadata: Usage };
    expect(capped.usageMetadata).toMatchObject({
      thoughtsTokenCount: 100,
      candidatesTokenCount: 0,
      totalTokenCount: 109,
    });
    const within = (await (await ask("generateContent", 4096)).json()) as { usageMetadata: Usage };
    expect(within).toEqual(readFixtureJson("google", "text"));
    const frames = parseSse(await (await ask("streamGenerateContent?alt=sse", 250)).text()).map(
      (event) => (JSON.parse(event.data) as { usageMetadata: Usage }).usageMetadata,
    );
    expect(frames.length).toBe(fixtureEvents("google", "text").length);
    for (const usage of frames) expect(usage.thoughtsTokenCount + usage.candidatesTokenCount).toBeLessThanOrEqual(250);
  });
});

describe("the official openai SDK against the openai fixtures", () => {
  it("creates a completion, with the request recorded", async () => {
    const m = marker();
    const { data, response, request_id } = await sdk.chat.completions
      .create({ model: "gpt-4o-mini", messages: user(`hello ${m}`), max_completion_tokens: 64 })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Hi! How can I help you today?");
    expect(data.usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 9, total_tokens: 25 });
    expect(response.headers.get("openai-version")).toBe("2020-10-01");
    const [recorded] = findRequests(openai.requests, m);
    expect(recorded).toMatchObject({
      method: "POST",
      path: "/v1/chat/completions",
      body: { model: "gpt-4o-mini", max_completion_tokens: 64 },
      aborted: false,
      case: "text",
      requestId: request_id,
    });
    expect(recorded?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(recorded?.rawBody).toContain(m);
  });

  it("streams the recorded chunks, ending with the usage chunk", async () => {
    const stream = await sdk.chat.completions.create({
      model: "gpt-4o-mini",
      messages: user("[[scenario:tool-call]] [[delay:0]]"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const args = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).map((c) => c.function?.arguments ?? "");
    expect(JSON.parse(args.join(""))).toEqual({ city: "New York City" });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 44, completion_tokens: 16 } });
  });

  it("error:429 is a RateLimitError with the retry headers and the model in its message", async () => {
    const err = await sdk.chat.completions
      .create({ model: "gpt-4o-mini", messages: user("[[scenario:error:429]]") })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    const rate = err as RateLimitError;
    expect(rate.code).toBe("rate_limit_exceeded");
    expect(rate.message).toContain("Rate limit reached for gpt-4o-mini in");
    expect(rate.headers.get("retry-after")).toBe("7");
    expect(rate.headers.get("retry-after-ms")).toBe("7000");
    expect(rate.headers.get("x-ratelimit-limit-requests")).toBe("60");
    expect(rate.requestID).toMatch(/^req_/);
  });

  it("error-mid-stream makes the SDK throw an APIError after the frames before it", async () => {
    const stream = await sdk.chat.completions.create({
      model: "gpt-4o-mini",
      messages: user("[[scenario:long]] [[repeat:1:10]] [[error-mid-stream:3]] [[delay:1]]"),
      stream: true,
    });
    const seen: ChatCompletionChunk[] = [];
    const err = await (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).message).toContain("The server had an error while processing your request");
    expect(seen.map((c) => c.choices[0]?.delta.content)).toEqual(["", "token ", "token "]);
  });
});

describe("templating and auth", () => {
  it("fills {{key}}, {{key_masked}} and {{model}}", async () => {
    const echo = await postOpenAI({ messages: user("[[scenario:error:400:echo-key]]") });
    expect(echo.status).toBe(400);
    expect(((await echo.json()) as { error: { message: string } }).error.message).toContain(`key ${KEY} `);
    const wrong = await sdk.chat.completions
      .create({ model: "gpt-4o-mini", messages: user("[[scenario:error:401]]") })
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(AuthenticationError);
    expect((wrong as AuthenticationError).message).toContain("Incorrect API key provided: sk-**************1234.");
    const model = await postOpenAI({ model: "gpt-nope", messages: user("[[scenario:error:404]]") });
    expect(((await model.json()) as { error: { message: string } }).error.message).toContain("The model `gpt-nope`");
  });

  it("escapes filled values inside JSON, so a key with quotes keeps the answer valid", async () => {
    const odd = 'sk-"odd\\key';
    const res = await postOpenAI(
      { messages: user("[[scenario:error:400:echo-key]]") },
      { headers: { authorization: `Bearer ${odd}`, "content-type": "application/json" } },
    );
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(`key ${odd} `);
  });

  it("a missing key answers the provider's missing-key error (else its 401)", async () => {
    const openaiMissing = await postOpenAI(
      { messages: user("hi") },
      { headers: { "content-type": "application/json" } },
    );
    expect(openaiMissing.status).toBe(401);
    expect(await openaiMissing.text()).toContain("You didn't provide an API key");
    const googleMissing = await fetch(`${google.url}/v1beta/models/gemini-3-pro-preview:generateContent`, {
      method: "POST",
      body: "{}",
    });
    expect(googleMissing.status).toBe(403);
    expect(await googleMissing.text()).toContain("PERMISSION_DENIED");
    const demoMissing = await fetch(`${demo.url}/v2/audio/tts-1`, { method: "POST", body: "x" });
    expect(demoMissing.status).toBe(401);
    expect(await demoMissing.json()).toEqual({ error: "no key" });
  });
});

describe("fault directives", () => {
  it("[[delay]] spaces the frames and [[slow-first-byte]] holds the headers", async () => {
    const t0 = Date.now();
    const slow = await postOpenAI({ messages: user("[[slow-first-byte:300]] [[delay:0]]"), stream: true });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(parseSse(await slow.text()).at(-1)?.data).toBe("[DONE]");
    const t1 = Date.now();
    const spaced = await postOpenAI({ messages: user("[[scenario:long]] [[delay:60]]"), stream: true });
    expect(parseSse(await spaced.text())).toHaveLength(5);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(4 * 55);
  });

  it("[[repeat:i:n]] sends chunk line i n times", async () => {
    const res = await postOpenAI({ messages: user("[[scenario:long]] [[repeat:1:25]] [[delay:0]]"), stream: true });
    const events = parseSse(await res.text());
    expect(events.filter((e) => e.data.includes('"content":"token "'))).toHaveLength(25);
    expect(events).toHaveLength(25 + 4);
  });

  it("[[stall-after:k]] sends k frames then holds the socket; a client leaving is recorded as aborted", async () => {
    const m = marker();
    const controller = new AbortController();
    const res = await postOpenAI(
      { messages: user(`[[stall-after:2]] [[delay:0]] ${m}`), stream: true },
      { signal: controller.signal },
    );
    const { text, done } = await readFor(res, 300);
    expect(done).toBe(false);
    expect(parseSse(text)).toEqual(fixtureEvents("openai", "text").slice(0, 2));
    const [recorded] = findRequests(openai.requests, m);
    expect(recorded?.aborted).toBe(false);
    controller.abort();
    await waitFor(() => recorded?.aborted === true);
  });

  it("[[stall-after:k]] on a plain answer sends the headers and half the body", async () => {
    const controller = new AbortController();
    const res = await postOpenAI({ messages: user("[[stall-after:1]]") }, { signal: controller.signal });
    expect(res.status).toBe(200);
    const { text, done } = await readFor(res, 300);
    controller.abort();
    expect(done).toBe(false);
    const full = readFileSync(join(import.meta.dirname, "..", "fixtures", "openai", "text.json"), "utf8");
    expect(text).toBe(full.slice(0, Math.floor(full.length / 2)));
  });

  it("[[reset-after:k]] breaks the connection after k frames, and that is no client abort", async () => {
    const m = marker();
    const res = await postOpenAI({ messages: user(`[[reset-after:3]] [[delay:0]] ${m}`), stream: true });
    const { text, error } = await readFor(res, 1000);
    expect(error).toBeDefined();
    expect(parseSse(text)).toHaveLength(3);
    const plain = await postOpenAI({ messages: user(`[[reset-after:1]] ${m}`) });
    await expect(plain.text()).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(findRequests(openai.requests, m).map((r) => r.aborted)).toEqual([false, false]);
  });

  it("[[error-mid-stream:k]]: anthropic sends its error event after k frames; a plain answer is the 500", async () => {
    const res = await fetch(`${anthropic.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "sk-ant-test", "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-haiku-4-5", messages: user("[[error-mid-stream:2]]"), stream: true }),
    });
    const events = parseSse(await res.text());
    expect(events.slice(0, 2)).toEqual(fixtureEvents("anthropic", "text").slice(0, 2));
    expect(events.slice(2)).toEqual(fixtureEvents("anthropic", "errors/mid-stream"));
    expect(events[2]?.event).toBe("error");
    const plain = await postOpenAI({ messages: user("[[error-mid-stream:2]]") });
    expect(plain.status).toBe(500);
    expect(await plain.json()).toEqual(readFixtureJson("openai", "errors/500"));
  });

  it("broken answers are fixture files: bad-json.raw and bad-json-stream.chunks.txt", async () => {
    const bad = await postOpenAI({ messages: user("[[scenario:bad-json]]") });
    expect(bad.status).toBe(200);
    expect(bad.headers.get("content-type")).toBe("application/json");
    await expect(bad.json()).rejects.toThrow();
    const stream = await postOpenAI({ messages: user("[[scenario:bad-json-stream]] [[delay:0]]"), stream: true });
    const events = parseSse(await stream.text());
    expect(events).toHaveLength(3);
    expect(() => JSON.parse(events[1]?.data ?? "")).toThrow();
    expect(events[2]?.data).toBe("[DONE]");
  });
});

describe("files, recording and mistakes", () => {
  it("replays .bin with its content type and .raw with its status, chosen from a multipart body", async () => {
    const m = marker();
    const form = new FormData();
    form.set("prompt", `thunder ${m}`);
    form.set("file", new Blob([new Uint8Array([0, 1, 2])]), "a.bin");
    const res = await fetch(`${demo.url}/v2/audio/stable-2`, {
      method: "POST",
      headers: { authorization: "Bearer sk-demo" },
      body: form,
    });
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    expect(res.headers.get("x-cost")).toBe("3");
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0xff, 0xfb, 0x90, 0x00, 0x01, 0x02, 0x03, 0x04]);
    const [recorded] = findRequests(demo.requests, m);
    expect(recorded?.body).toBeNull();
    expect(recorded?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);

    const html = new FormData();
    html.set("prompt", "[[scenario:html]]");
    const raw = await fetch(`${demo.url}/v2/audio/stable-2`, {
      method: "POST",
      headers: { authorization: "Bearer sk-demo" },
      body: html,
    });
    expect(raw.status).toBe(502);
    expect(raw.headers.get("content-type")).toBe("text/html");
    expect(await raw.text()).toBe("<html><body>502 Bad Gateway for stable-2</body></html>");
  });

  it("[[parts:n]] sends a plain body in n parts, [[delay]] apart; cuts then count parts", async () => {
    const audio = [0xff, 0xfb, 0x90, 0x00, 0x01, 0x02, 0x03, 0x04];
    const post = (directives: string, signal?: AbortSignal) => {
      const form = new FormData();
      form.set("prompt", directives);
      return fetch(`${demo.url}/v2/audio/stable-2`, {
        method: "POST",
        headers: { authorization: "Bearer sk-demo" },
        body: form,
        ...(signal ? { signal } : {}),
      });
    };
    const t0 = Date.now();
    const res = await post("[[parts:4]] [[delay:150]]");
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const arrivals: { bytes: number[]; at: number }[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push({ bytes: [...value], at: Date.now() - t0 });
    }
    expect(arrivals.flatMap((a) => a.bytes)).toEqual(audio);
    expect(arrivals.map((a) => a.bytes)).toEqual([
      audio.slice(0, 2),
      audio.slice(2, 4),
      audio.slice(4, 6),
      audio.slice(6),
    ]);
    expect(arrivals[0]?.at).toBeLessThan(120);
    expect(arrivals.at(-1)?.at).toBeGreaterThanOrEqual(3 * 140);

    const controller = new AbortController();
    const stalled = await post("[[parts:4]] [[stall-after:1]] [[delay:0]]", controller.signal);
    const first = await readFor(stalled, 300);
    controller.abort();
    expect(first.done).toBe(false);
    expect(first.text.length).toBeGreaterThan(0); // the first part, then silence
    const reset = await post("[[parts:4]] [[reset-after:2]] [[delay:0]]");
    await expect(reset.arrayBuffer()).rejects.toThrow();
    expect((await post("[[parts:0]]")).status).toBe(501);
  });

  it("GET /__fake/requests?marker= lists the matching requests as recorded", async () => {
    const m = marker();
    await (await postOpenAI({ messages: user(`[[scenario:reasoning]] ${m}`) })).text();
    await (await postOpenAI({ messages: user("other") })).text();
    const res = await fetch(`${openai.url}/__fake/requests?marker=${m}`);
    const listed = (await res.json()) as { case: string; body: { model: string }; aborted: boolean }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ case: "reasoning", body: { model: "gpt-4o-mini" }, aborted: false });
  });

  it("a mistake in a test is answered loudly: unknown case, old syntax, unknown route", async () => {
    const unknown = await postOpenAI({ messages: user("[[scenario:nope]]") });
    expect(unknown.status).toBe(501);
    expect(await unknown.text()).toContain("no fixture nope.");
    const old = await postOpenAI({ messages: user("[[scenario:long:400]]") });
    expect(old.status).toBe(501);
    expect(await old.text()).toContain("[[scenario:long:400]]");
    const cuts = await postOpenAI({ messages: user("[[stall-after:1]] [[reset-after:2]]") });
    expect(cuts.status).toBe(501);
    const repeat = await postOpenAI({ messages: user("[[repeat:40:2]]"), stream: true });
    expect(repeat.status).toBe(501);
    expect(await repeat.text()).toContain("the case has 12 chunk lines");
    const route = await fetch(`${openai.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(route.status).toBe(404);
  });

  it("close() ends a stalled stream without marking it aborted", async () => {
    const other = await startFakeUpstream("openai");
    const res = await fetch(`${other.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: user("[[stall-after:1]]"), stream: true }),
    });
    const body = res.text().catch((e: unknown) => e);
    await other.close();
    expect(await body).toBeInstanceOf(Error);
    expect(other.requests[0]?.aborted).toBe(false);
  });
});
