import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../../src/capabilities/chat/schemas.ts";
import { openAISse } from "../../src/capabilities/chat/sse-writer.ts";
import { ApiError } from "../../src/lib/errors.ts";
import { findModel } from "../../src/metering/catalog.ts";
import type { StreamStep } from "../../src/metering/stream.ts";
import { openai } from "../../src/providers/openai/index.ts";
import { fixtureEvents, readFixtureJson } from "../helpers/fixtures.ts";
import { unitProvider } from "../helpers/provider.ts";

const KEY = "sk-test-gateway-key-0123456789";
const { module, chat } = unitProvider(openai, { apiKey: KEY, baseUrl: "https://api.openai.test/v1" });
const entry = findModel("openai/gpt-4o-mini");
if (!entry) throw new Error("catalog");

/** Runs a recorded stream through the adapter and OpenAI's SSE writer, as the metered path does. */
function replay(name: string, includeUsage = false) {
  const source = openAISse(chat.startStream(), { includeUsage, requestId: "req_unit" });
  const steps: StreamStep[] = [];
  for (const { event, data } of fixtureEvents("openai", name)) {
    const step = source.event({ data, ...(event ? { event } : {}) });
    steps.push(step);
    if (step.done || step.error) break;
  }
  const frames = steps.flatMap((step) => step.frames);
  const usage = steps.findLast((step) => step.usage)?.usage;
  const text = steps.map((step) => step.text ?? "").join("");
  return { steps, frames, usage, text, finish: source.finish() };
}

describe("OpenAI chat adapter: requests", () => {
  const request: ChatRequest = {
    model: "openai/gpt-4o-mini",
    messages: [{ role: "user", content: "Hi" }],
    temperature: 0.2,
    max_tokens: 100_000,
    max_completion_tokens: 5,
    stream: true,
    stream_options: { include_usage: false },
  };

  it("sends the held output limit in max_completion_tokens only, the bare model id, and always asks for stream usage", () => {
    const built = chat.buildRequest(request, entry, 5);
    expect(built.url).toBe("https://api.openai.test/v1/chat/completions");
    expect(built.init.headers.authorization).toBe(`Bearer ${KEY}`);
    const body = JSON.parse(built.init.body as string) as Record<string, unknown>;
    expect(body).toMatchObject({
      model: "gpt-4o-mini",
      temperature: 0.2,
      max_completion_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(body).not.toHaveProperty("max_tokens");
  });
});

describe("OpenAI chat adapter: answers", () => {
  it("passes a plain answer through and reads its usage", () => {
    const json = readFixtureJson("openai", "text");
    const parsed = chat.parseResponse(json);
    if (parsed instanceof ApiError) throw parsed;
    expect(parsed.body).toEqual(json);
    expect(parsed.usage).toEqual({ input: 16, cached_input: 0, cache_write: 0, output: 9, reasoning: 0 });
  });

  it("splits cached input out of prompt_tokens and reasoning out of completion_tokens", () => {
    const parsed = chat.parseResponse(readFixtureJson("openai", "reasoning"));
    if (parsed instanceof ApiError) throw parsed;
    expect(parsed.usage).toEqual({ input: 12, cached_input: 8, cache_write: 0, output: 22, reasoning: 128 });
  });

  it("refuses an answer it cannot read", () => {
    expect(chat.parseResponse({ id: "x", object: "chat.completion" })).toMatchObject({ code: "PROVIDER_ERROR" });
  });
});

describe("OpenAI chat adapter: streams", () => {
  it("passes every chunk through byte for byte, keeps the usage chunk for the end, and ends at [DONE]", () => {
    const { frames, steps, text, usage, finish } = replay("text");
    const chunks = fixtureEvents("openai", "text")
      .map(({ data }) => data)
      .filter((data) => data !== "[DONE]");
    const usageChunk = chunks.pop() as string;
    expect(usageChunk).toContain('"choices":[]');
    expect(frames).toEqual(chunks.map((data) => `data: ${data}\n\n`));
    expect(usage).toEqual({ input: 16, cached_input: 0, cache_write: 0, output: 9, reasoning: 0 });
    expect(finish).toEqual(["data: [DONE]\n\n"]);
    expect(steps.at(-1)?.done).toBe(true);
    expect(text).toBe("Hi! How can I help you today?");
  });

  it("holds the usage chunk back, and sends it before [DONE] only when the client asked", () => {
    const without = replay("early-usage");
    expect(without.frames.join("")).not.toContain('"choices":[]');
    expect(without.usage).toMatchObject({ input: 10, output: 200 });
    expect(without.finish).toEqual(["data: [DONE]\n\n"]);
    const withUsage = replay("early-usage", true);
    expect(withUsage.finish).toHaveLength(2);
    expect(withUsage.finish[0]).toContain('"completion_tokens":200');
  });

  it("counts streamed tool names and arguments for the interrupted estimate", () => {
    const { text, steps } = replay("tool-call");
    expect(steps.at(-1)?.done).toBe(true);
    expect(text).toContain("get_weather");
    expect(text).toContain("city");
  });

  it("a malformed event, an error event, or an end of file before [DONE] is a provider error", () => {
    const stream = chat.startStream();
    expect(stream.event({ data: '{"id":"x","choices":[{"delta":{"con' }).error?.code).toBe("PROVIDER_ERROR");
    expect(chat.startStream().event({ data: '{"error":{"message":"boom"}}' }).error?.code).toBe("PROVIDER_ERROR");
    expect(chat.startStream().end().error?.code).toBe("PROVIDER_ERROR");
  });
});

describe("OpenAI errors, through the shared policy", () => {
  const error = (status: number, name: string, headers: Record<string, string> = {}) =>
    module.parseError(status, JSON.stringify(readFixtureJson("openai", `errors/${name}`)), new Headers(headers));

  it("a 400 passes the provider's words and param", () => {
    expect(error(400, "400")).toMatchObject({ code: "INVALID_REQUEST", param: "max_tokens" });
    expect(error(400, "400").message).toContain("Unsupported parameter");
  });

  it("401 and 403 are the gateway's own words, never the provider's (they quote a masked key)", () => {
    for (const status of [401, 403]) {
      const mapped = error(status, String(status));
      expect(mapped.code).toBe("PROVIDER_ERROR");
      expect(mapped.message).not.toMatch(/sk-|api key/i);
    }
  });

  it("429 is a rate limit with Retry-After; an exhausted quota is not", () => {
    expect(error(429, "429", { "retry-after-ms": "7000" })).toMatchObject({
      code: "PROVIDER_RATE_LIMITED",
      headers: { "retry-after": "7" },
    });
    expect(error(429, "429-insufficient_quota").code).toBe("PROVIDER_ERROR");
  });

  it("5xx and 404 are PROVIDER_ERROR; a body that is not JSON too", () => {
    expect(error(500, "500").code).toBe("PROVIDER_ERROR");
    expect(error(404, "404").code).toBe("PROVIDER_ERROR");
    expect(module.parseError(502, "<html>bad gateway</html>", new Headers()).code).toBe("PROVIDER_ERROR");
  });

  it("scrubs the gateway's key, and key-shaped tokens, from the words it passes on", () => {
    const body = JSON.stringify({
      error: { message: `Invalid 'user': ${KEY} and sk-proj-****abcd`, type: "invalid_request_error", param: "user" },
    });
    const mapped = module.parseError(400, body, new Headers());
    expect(mapped.message).not.toContain(KEY);
    expect(mapped.message).not.toContain("abcd");
    expect(mapped.message).toContain("[redacted]");
  });
});
