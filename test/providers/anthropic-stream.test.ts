import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../../src/capabilities/chat/schemas.ts";
import { openAISse } from "../../src/capabilities/chat/sse-writer.ts";
import { ApiError } from "../../src/lib/errors.ts";
import type { StreamStep } from "../../src/metering/stream.ts";
import { anthropicApi } from "../../src/providers/anthropic/api.ts";
import { anthropicChat } from "../../src/providers/anthropic/chat.ts";
import { fixtureEvents, readFixtureChunks, readFixtureJson } from "../helpers/fixtures.ts";

const NOW = Date.parse("2026-11-24T12:00:00Z");
const chat = anthropicChat(anthropicApi("sk-ant-test", "https://api.anthropic.test", "2023-06-01"), { now: () => NOW });

type Event = { event?: string; data: string };

/** Runs events through the adapter and OpenAI's SSE writer, as the metered path does. */
function replayEvents(events: readonly Event[], includeUsage = false, end = false) {
  const source = openAISse(chat.startStream(), { includeUsage, requestId: "req_unit" });
  const steps: StreamStep[] = [];
  for (const event of events) {
    const step = source.event(event);
    steps.push(step);
    if (step.done || step.error) break;
  }
  const last = steps.at(-1);
  if (end && !last?.done && !last?.error) steps.push(source.end());
  const frames = steps.flatMap((step) => step.frames);
  const chunks = frames.map((frame) => {
    expect(frame).toMatch(/^data: .*\n\n$/s);
    return JSON.parse(frame.slice("data: ".length)) as ChatCompletionChunk;
  });
  return {
    steps,
    frames,
    chunks,
    usage: steps.findLast((step) => step.usage)?.usage,
    text: steps.map((step) => step.text ?? "").join(""),
    error: steps.find((step) => step.error)?.error,
    finish: source.finish(),
    fail: source.fail,
  };
}

const replay = (name: string, includeUsage = false) => replayEvents(fixtureEvents("anthropic", name), includeUsage);

/** What the official SDK's accumulator builds from the chunks: content, tool calls by index, finish reason. */
function reassemble(chunks: readonly ChatCompletionChunk[]) {
  let content = "";
  let finish: string | null = null;
  const calls: { id?: string; type?: string; name: string; arguments: string }[] = [];
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      content += choice.delta.content ?? "";
      finish = choice.finish_reason ?? finish;
      for (const delta of choice.delta.tool_calls ?? []) {
        const call = calls[delta.index] ?? { name: "", arguments: "" };
        calls[delta.index] = call;
        if (delta.id) call.id = delta.id;
        if (delta.type) call.type = delta.type;
        call.name += delta.function.name ?? "";
        call.arguments += delta.function.arguments;
      }
    }
  }
  return { content, finish, calls };
}

function plainAnswer(name: string) {
  const parsed = chat.parseResponse(readFixtureJson("anthropic", name));
  if (parsed instanceof ApiError) throw parsed;
  const choice = parsed.body.choices[0] as { message: Record<string, unknown>; finish_reason: string };
  const calls = (choice.message.tool_calls ?? []) as { id: string; function: { name: string; arguments: string } }[];
  return { ...parsed, content: choice.message.content, finish: choice.finish_reason, calls };
}

const PAIRED = ["plain", "tool-call", "parallel-tools", "tool-result", "cache-usage", "thinking", "max-tokens"];

describe("Anthropic chat adapter: streams", () => {
  it.each(PAIRED)("%s: OpenAI chunks that tell the same answer, with the same usage, as the plain call", (name) => {
    const streamed = replay(name);
    const plain = plainAnswer(name);
    expect(streamed.steps.at(-1)?.done).toBe(true);
    expect(streamed.error).toBeUndefined();

    // One id, created and model for the whole stream, taken from message_start; the role comes first.
    const [first, ...rest] = streamed.chunks;
    expect(first).toEqual({
      id: plain.body.id,
      object: "chat.completion.chunk",
      created: NOW / 1000,
      model: plain.body.model,
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
    });
    for (const chunk of rest) {
      expect(chunk).toMatchObject({ id: plain.body.id, object: "chat.completion.chunk", created: NOW / 1000 });
      expect(chunk.choices).toHaveLength(1);
    }

    const told = reassemble(streamed.chunks);
    expect(told.content).toBe(plain.content ?? "");
    expect(told.finish).toBe(plain.finish);
    expect(streamed.chunks.filter((chunk) => chunk.choices[0]?.finish_reason)).toHaveLength(1);
    expect(told.calls.map(({ id, type, name }) => ({ id, type, name }))).toEqual(
      plain.calls.map((call) => ({ id: call.id, type: "function", name: call.function.name })),
    );
    // Fragments are passed on as Anthropic streams them (its spacing); the JSON they make is the same.
    expect(told.calls.map((call) => JSON.parse(call.arguments))).toEqual(
      plain.calls.map((call) => JSON.parse(call.function.arguments)),
    );
    expect(streamed.usage).toEqual(plain.usage);
  });

  it("sends the usage chunk (choices: [], OpenAI's usage) before [DONE] only when the client asked", () => {
    const without = replay("cache-usage");
    expect(without.finish).toEqual(["data: [DONE]\n\n"]);
    const withUsage = replay("cache-usage", true);
    expect(withUsage.finish).toHaveLength(2);
    const usageChunk = JSON.parse((withUsage.finish[0] as string).slice("data: ".length)) as ChatCompletionChunk;
    expect(usageChunk).toMatchObject({
      id: "chatcmpl-msg_011CdYfpjpVtBoXyXCQD1tQP",
      object: "chat.completion.chunk",
      choices: [],
      usage: {
        prompt_tokens: 6 + 6289 + 3337,
        completion_tokens: 198,
        total_tokens: 6 + 6289 + 3337 + 198,
        prompt_tokens_details: { cached_tokens: 6289, cache_write_tokens: 3337 },
      },
    });
    expect(withUsage.frames.join("")).not.toContain('"choices":[]');
  });

  it("merges usage: message_start's input counts first, message_delta's cumulative counts win", () => {
    const { steps } = replay("cache-usage");
    expect(steps[0]?.usage).toEqual({
      input: 6,
      cached_input: 6289,
      cache_write: 2048,
      cache_write_1h: 1289,
      output: 3,
      reasoning: 0,
    });
    expect(steps.at(-1)?.usage).toMatchObject({ cache_write: 2048, cache_write_1h: 1289, output: 198 });
  });

  it("each tool_use block opens one tool call (index 0, 1, …) with id, type and name, then its argument fragments", () => {
    const calls = replay("parallel-tools")
      .chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])
      .map((delta) => delta);
    expect(calls).toEqual([
      {
        index: 0,
        id: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP",
        type: "function",
        function: { name: "get_weather", arguments: "" },
      },
      { index: 0, function: { arguments: '{"city": ' } },
      { index: 0, function: { arguments: '"San Francisco"}' } },
      {
        index: 1,
        id: "toolu_01Q9ExVZnzZj7E2QQYHYtNUa",
        type: "function",
        function: { name: "get_local_time", arguments: "" },
      },
      // Anthropic streams a lone "" for a call without arguments: the client gets "{}".
      { index: 1, function: { arguments: "{}" } },
    ]);
  });

  it("never shows thinking, but counts it (billed as output) with content, tool names and arguments for the interrupted estimate", () => {
    const thinking = replay("thinking");
    expect(thinking.frames.join("")).not.toContain("Euclid");
    expect(thinking.frames.join("")).not.toContain("EsECCokB");
    expect(thinking.text).toBe(
      "Euclid: 1071 = 2*462 + 147, 462 = 3*147 + 21, 147 = 7*21. The GCD is 21.The GCD of 1071 and 462 is **21**.",
    );
    expect(replay("tool-call").text).toBe('get_weather{"city": "San Francisco", "unit": "fahrenheit"}');
  });

  it("ping events send nothing", () => {
    const events = fixtureEvents("anthropic", "plain");
    const ping = events.find((event) => event.event === "ping");
    if (!ping) throw new Error("the plain stream has a ping");
    const source = openAISse(chat.startStream(), { includeUsage: false, requestId: "req_unit" });
    source.event(events[0] as Event);
    expect(source.event(ping).frames).toEqual([]);
  });

  it("an error event is a provider error after what was already streamed, which is charged from the usage so far", () => {
    const { chunks, error, usage, text, fail } = replay("stream-error");
    expect(error).toBeInstanceOf(ApiError);
    expect(error?.code).toBe("PROVIDER_ERROR");
    expect(error?.message).toMatch(/overloaded/i);
    expect(reassemble(chunks).content).toBe("Hello! I");
    expect(text).toBe("Hello! I");
    expect(usage).toMatchObject({ input: 12 });
    const frame = fail(error as ApiError)[0] as string;
    expect(JSON.parse(frame.slice("data: ".length))).toMatchObject({
      error: { code: "PROVIDER_ERROR", type: "provider_error", request_id: "req_unit" },
    });
  });

  it("an end of file before message_stop is a provider error (the answer was cut short)", () => {
    const events = fixtureEvents("anthropic", "tool-call").slice(0, -1);
    const cut = replayEvents(events, true, true);
    expect(cut.steps.some((step) => step.done)).toBe(false);
    expect(cut.error?.code).toBe("PROVIDER_ERROR");
    expect(cut.usage).toMatchObject({ input: 849, output: 47 });
  });

  it("message_stop without message_delta (no final usage) is a provider error", () => {
    const events = fixtureEvents("anthropic", "plain").filter((event) => event.event !== "message_delta");
    expect(replayEvents(events).error?.code).toBe("PROVIDER_ERROR");
  });

  it("malformed or out-of-order events are provider errors; unknown event types are read past", () => {
    const lines = readFixtureChunks("anthropic", "plain");
    const start = { event: "message_start", data: lines[0] as string };
    expect(
      replayEvents([start, { event: "content_block_delta", data: '{"type":"content_block_delta",' }]).error?.code,
    ).toBe("PROVIDER_ERROR");
    expect(replayEvents([{ event: "content_block_start", data: lines[1] as string }]).error?.code).toBe(
      "PROVIDER_ERROR",
    );
    expect(replayEvents([start, { event: "error", data: '{"type":"error"}' }]).error?.code).toBe("PROVIDER_ERROR");
    const unknown = replayEvents([start, { event: "message_annotation", data: '{"type":"message_annotation","x":1}' }]);
    expect(unknown.error).toBeUndefined();
    expect(unknown.frames).toHaveLength(1);
  });

  it("a repeated message_start does not repeat the role chunk", () => {
    const events = fixtureEvents("anthropic", "plain");
    const doubled = [events[0] as Event, ...events];
    const { chunks, steps } = replayEvents(doubled);
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.role)).toHaveLength(1);
    expect(steps.at(-1)?.done).toBe(true);
  });
});
