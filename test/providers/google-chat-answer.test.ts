import { describe, expect, it } from "vitest";
import { type ChatCompletion, ChatCompletionSchema } from "../../src/capabilities/chat/schemas.ts";
import { openAISse } from "../../src/capabilities/chat/sse-writer.ts";
import { ApiError } from "../../src/lib/errors.ts";
import type { StreamStep } from "../../src/metering/stream.ts";
import { fixtureEvents, readFixtureJson } from "../helpers/fixtures.ts";
import { chat } from "./google-helpers.ts";

interface ToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}
type Message = { role: string; content: string | null; tool_calls?: ToolCall[] };

function answer(name: string) {
  const parsed = chat.parseResponse(readFixtureJson("google", name));
  if (parsed instanceof ApiError) throw parsed;
  expect(ChatCompletionSchema.safeParse(parsed.body).success).toBe(true);
  const choice = parsed.body.choices[0] as ChatCompletion["choices"][number];
  return { ...parsed, choice, message: choice.message as Message };
}

interface Chunk {
  id: string;
  object: string;
  model: string;
  choices: { index: number; delta: Record<string, unknown>; finish_reason: string | null }[];
  usage?: ChatCompletion["usage"];
}

/** Replays a recorded stream through the adapter and OpenAI's SSE writer, as the metered path does. */
function replay(name: string, includeUsage = false) {
  const source = openAISse(chat.startStream(), { includeUsage, requestId: "req_unit" });
  const steps: StreamStep[] = [];
  for (const { event, data } of fixtureEvents("google", name)) {
    const step = source.event({ data, ...(event ? { event } : {}) });
    steps.push(step);
    if (step.done || step.error) break;
  }
  if (!steps.at(-1)?.error) steps.push(source.end());
  const frames = steps.flatMap((step) => step.frames);
  const chunks = frames.map((frame) => {
    expect(frame).toMatch(/^data: .*\n\n$/s);
    return JSON.parse(frame.slice("data: ".length)) as Chunk;
  });
  const finish = steps.at(-1)?.done ? source.finish() : [];
  const usageChunk = finish.length > 1 ? (JSON.parse((finish[0] as string).slice(6)) as Chunk) : undefined;
  return {
    steps,
    chunks,
    last: steps.at(-1) as StreamStep,
    usage: steps.findLast((step) => step.usage)?.usage,
    text: steps.map((step) => step.text ?? "").join(""),
    content: chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""),
    toolCalls: chunks.flatMap((chunk) => (chunk.choices[0]?.delta.tool_calls as ToolCall[] | undefined) ?? []),
    finishReasons: chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter((reason) => reason != null),
    finish,
    usageChunk,
  };
}

describe("Gemini answers as chat.completion", () => {
  it("a text answer: content, stop, OpenAI usage with thoughts inside completion_tokens", () => {
    const { body, usage, choice, message } = answer("plain");
    expect(body).toMatchObject({
      id: "chatcmpl-M3iLaY-AI7zTxN8P3Piw4Qg",
      object: "chat.completion",
      model: "gemini-3-pro-preview",
    });
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(5);
    expect(message).toMatchObject({
      role: "assistant",
      content: 'There are **3** "r"s in strawberry.\n\nSt**r**awbe**rr**y',
    });
    expect(message.tool_calls).toBeUndefined();
    expect(choice.finish_reason).toBe("stop");
    expect(usage).toEqual({ input: 9, cached_input: 0, output: 23, reasoning: 302 });
    expect(body.usage).toEqual({
      prompt_tokens: 9,
      completion_tokens: 325,
      total_tokens: 334,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 302 },
    });
  });

  it("a function call: tool_calls with a gateway id and the arguments as a JSON string, finish tool_calls", () => {
    const { choice, message, usage } = answer("tool-call");
    expect(message.content).toBeNull();
    expect(message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_[0-9a-f]{16}_ts_/),
        type: "function",
        function: { name: "weather", arguments: '{"location":"San Francisco"}' },
      },
    ]);
    expect(choice.finish_reason).toBe("tool_calls");
    expect(usage).toEqual({ input: 29, cached_input: 0, output: 15, reasoning: 45 });
  });

  it("parallel calls get distinct ids; only the signed first one carries a signature", () => {
    const { message, choice } = answer("parallel-tools");
    const [paris, tokyo] = message.tool_calls ?? [];
    expect(paris?.function).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(tokyo?.function).toEqual({ name: "get_weather", arguments: '{"city":"Tokyo"}' });
    expect(paris?.id).toMatch(/^call_[0-9a-f]{16}_ts_/);
    expect(tokyo?.id).toMatch(/^call_[0-9a-f]{16}$/);
    expect(paris?.id.slice(0, 21)).not.toBe(tokyo?.id);
    expect(choice.finish_reason).toBe("tool_calls");
    // The same data gives the same ids.
    expect(answer("parallel-tools").message.tool_calls).toEqual(message.tool_calls);
  });

  it("the answer to a tool result is plain text", () => {
    const { message, choice } = answer("tool-result");
    expect(message.content).toBe("It is 72°F and sunny in San Francisco right now.");
    expect(choice.finish_reason).toBe("stop");
  });

  it("cached tokens are a subset of the prompt; built-in tool prompts are input", () => {
    const { usage, body } = answer("cache-usage");
    expect(usage).toEqual({ input: 19 - 3 + 63, cached_input: 3, output: 4, reasoning: 56 });
    expect(body.usage).toMatchObject({
      prompt_tokens: 82,
      completion_tokens: 60,
      total_tokens: 142,
      prompt_tokens_details: { cached_tokens: 3 },
      completion_tokens_details: { reasoning_tokens: 56 },
    });
  });

  it("thought parts are not the answer; thinking is billed as reasoning", () => {
    const { message, usage } = answer("thinking");
    expect(message.content).toBe('There are **3** "r"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.');
    expect(message.content).not.toContain("Counting the letters");
    expect(usage).toMatchObject({ output: 29, reasoning: 282 });
  });

  it("MAX_TOKENS is length, SAFETY is content_filter", () => {
    const long = answer("max-tokens");
    expect(long.choice.finish_reason).toBe("length");
    expect(long.message.content).toBe("This security");
    expect(long.usage).toEqual({ input: 282, cached_input: 0, output: 2, reasoning: 44 });
    const filtered = answer("safety");
    expect(filtered.choice.finish_reason).toBe("content_filter");
    expect(filtered.message.content).toBeNull();
  });

  it("a blocked prompt answers 200 with content_filter, no content, and its prompt tokens charged", () => {
    const { choice, message, usage, body } = answer("blocked-prompt");
    expect(choice.finish_reason).toBe("content_filter");
    expect(message.content).toBeNull();
    expect(usage).toEqual({ input: 9, cached_input: 0, output: 0, reasoning: 0 });
    expect(body.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 0, total_tokens: 9 });
  });

  it("an answer it cannot read (no usage, or neither candidates nor a block reason) is a provider error", () => {
    const { usageMetadata: _dropped, ...noUsage } = readFixtureJson<Record<string, unknown>>("google", "plain");
    expect(chat.parseResponse(noUsage)).toMatchObject({ code: "PROVIDER_ERROR" });
    expect(chat.parseResponse({ usageMetadata: { promptTokenCount: 3 } })).toMatchObject({ code: "PROVIDER_ERROR" });
    expect(chat.parseResponse("nonsense")).toMatchObject({ code: "PROVIDER_ERROR" });
  });
});

describe("Gemini streams as chat.completion.chunk frames", () => {
  it("a role chunk first, content deltas, a finish chunk, then done at the end of file", () => {
    const { chunks, content, finishReasons, last, text } = replay("plain");
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id: "chatcmpl-M3iLaY-AI7zTxN8P3Piw4Qg", object: "chat.completion.chunk" });
      expect(chunk.model).toBe("gemini-3-pro-preview");
    }
    expect(content).toBe(answer("plain").message.content);
    expect(text).toBe(content);
    expect(finishReasons).toEqual(["stop"]);
    expect(last.done).toBe(true);
  });

  it("usage is the last running total, never a sum, and equals the plain answer's for the same data", () => {
    for (const name of [
      "plain",
      "tool-call",
      "parallel-tools",
      "tool-result",
      "cache-usage",
      "max-tokens",
      "blocked-prompt",
    ]) {
      expect(replay(name).usage, name).toEqual(answer(name).usage);
    }
    // thoughtsTokenCount is 256 in each of the three frames: summing would give 768.
    expect(replay("thinking").usage).toMatchObject({ input: 9, output: 29, reasoning: 256 });
    for (const step of replay("plain").steps) expect(step.usage).toBeDefined();
  });

  it("sends the usage chunk (choices: []) before [DONE] only when the client asked", () => {
    expect(replay("plain").finish).toEqual(["data: [DONE]\n\n"]);
    const withUsage = replay("plain", true);
    expect(withUsage.usageChunk).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 325, total_tokens: 334 },
    });
    expect(withUsage.finish.at(-1)).toBe("data: [DONE]\n\n");
  });

  it("a function call arrives whole: one tool-call delta with id, name and full arguments, finish tool_calls", () => {
    const { toolCalls, finishReasons, text, chunks } = replay("tool-call");
    expect(toolCalls).toEqual([{ index: 0, ...answer("tool-call").message.tool_calls?.[0] }]);
    expect(finishReasons).toEqual(["tool_calls"]);
    expect(text).toBe('weather{"location":"San Francisco"}');
    expect(chunks.every((chunk) => chunk.choices[0]?.delta.content === undefined || chunk === chunks[0])).toBe(true);
  });

  it("parallel calls stream as indexes 0 and 1 with the plain answer's ids", () => {
    const { toolCalls } = replay("parallel-tools");
    expect(toolCalls.map((call) => (call as ToolCall & { index: number }).index)).toEqual([0, 1]);
    expect(toolCalls.map((call) => call.id)).toEqual(
      answer("parallel-tools").message.tool_calls?.map((call) => call.id),
    );
  });

  it("thought parts are not streamed as content", () => {
    const { content, text } = replay("thinking");
    expect(content).not.toContain("Counting the letters");
    expect(text).not.toContain("Counting the letters");
    expect(content).toBe('There are **3** "r"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.');
  });

  it("MAX_TOKENS, SAFETY and a blocked prompt finish as length and content_filter", () => {
    expect(replay("max-tokens").finishReasons).toEqual(["length"]);
    const safety = replay("safety");
    expect(safety.finishReasons).toEqual(["content_filter"]);
    expect(safety.content).toBe("Here is how");
    const blocked = replay("blocked-prompt");
    expect(blocked.finishReasons).toEqual(["content_filter"]);
    expect(blocked.chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(blocked.last.done).toBe(true);
  });

  it("an error frame fails the stream with what was streamed and the usage so far", () => {
    const { last, content, usage } = replay("stream-error");
    expect(last.error?.code).toBe("PROVIDER_ERROR");
    expect(last.error?.message).not.toMatch(/demand|UNAVAILABLE/);
    expect(content).toBe("There are **3**");
    expect(usage).toEqual({ input: 9, cached_input: 0, output: 5, reasoning: 185 });
  });

  it("an end of file before any finish reason is a provider error; a malformed frame too", () => {
    const stream = chat.startStream();
    const [first] = fixtureEvents("google", "plain");
    expect(stream.event({ data: first?.data ?? "" }).chunks).toHaveLength(2);
    const cut = stream.end();
    expect(cut.error?.code).toBe("PROVIDER_ERROR");
    expect(cut.usage).toEqual({ input: 9, cached_input: 0, output: 13, reasoning: 302 });
    expect(chat.startStream().event({ data: '{"candidates":[{"content":{"par' }).error?.code).toBe("PROVIDER_ERROR");
    expect(chat.startStream().end().error?.code).toBe("PROVIDER_ERROR");
  });
});
