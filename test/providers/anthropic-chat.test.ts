import { describe, expect, it } from "vitest";
import { chatHold } from "../../src/capabilities/chat/hold.ts";
import { chatBoundRequest } from "../../src/capabilities/chat/input.ts";
import { ChatCompletionSchema, type ChatRequest } from "../../src/capabilities/chat/schemas.ts";
import type { Config } from "../../src/env.ts";
import { ApiError } from "../../src/lib/errors.ts";
import { createScrubber } from "../../src/lib/scrub.ts";
import { findModel } from "../../src/metering/catalog.ts";
import { pricingConfig } from "../../src/metering/pricing.ts";
import { anthropicApi } from "../../src/providers/anthropic/api.ts";
import { anthropicChat } from "../../src/providers/anthropic/chat.ts";
import { usageFromAnthropic } from "../../src/providers/anthropic/convert-anthropic-usage.ts";
import { anthropic } from "../../src/providers/anthropic/index.ts";
import { Providers, providerName } from "../../src/providers/registry.ts";
import { readFixtureJson } from "../helpers/fixtures.ts";

const KEY = "sk-ant-api03-test-gateway-key-0123456789";
const NOW = Date.parse("2026-11-24T12:00:00Z");
const config = {
  ANTHROPIC_API_KEY: KEY,
  ANTHROPIC_BASE_URL: "https://api.anthropic.test",
  ANTHROPIC_VERSION: "2023-06-01",
};
const noFetch = () => Promise.reject(new Error("unit tests make no calls"));
const module = anthropic.create({
  apiKey: KEY,
  baseUrl: config.ANTHROPIC_BASE_URL,
  fetch: noFetch,
  scrub: createScrubber([KEY]),
  config: config as Config,
});
const chat = anthropicChat(anthropicApi(KEY, config.ANTHROPIC_BASE_URL, "2023-06-01"), { now: () => NOW });
const entry = findModel("anthropic/claude-haiku-4-5");
if (!entry) throw new Error("catalog");

const ask = (request: Omit<ChatRequest, "model">): ChatRequest => ({ model: "anthropic/claude-haiku-4-5", ...request });
const user = (content: string) => ({ role: "user" as const, content });

/** The JSON body the adapter sends upstream for a request, with `held` output tokens. */
function sent(request: Omit<ChatRequest, "model">, held = 256): Record<string, unknown> {
  return JSON.parse(chat.buildRequest(ask(request), entry as NonNullable<typeof entry>, held).init.body as string);
}

function refusal(request: Omit<ChatRequest, "model">): ApiError {
  try {
    sent(request);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected the request to be refused");
}

const WEATHER = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe("Anthropic provider module", () => {
  it("is configured by ANTHROPIC_API_KEY, listed in the registry, and offers chat", () => {
    expect(providerName("anthropic")).toBe("Anthropic");
    expect(anthropic.configured(config as Config)).toEqual({ apiKey: KEY, baseUrl: "https://api.anthropic.test" });
    expect(anthropic.configured({ ...config, ANTHROPIC_API_KEY: undefined } as Config)).toBeUndefined();
    const scrub = createScrubber([]);
    expect(new Providers(config as Config, noFetch, scrub).adapter("anthropic", "chat")).toBeDefined();
    const off = new Providers({ ...config, ANTHROPIC_API_KEY: undefined } as Config, noFetch, scrub);
    expect(off.adapter("anthropic", "chat")).toBeUndefined();
  });

  it("posts to {base}/v1/messages with x-api-key and the configured anthropic-version", () => {
    const offered = module.adapters.chat;
    if (!offered) throw new Error("anthropic offers chat");
    const built = offered.buildRequest(ask({ messages: [user("Hi")] }), entry, 5);
    expect(built.url).toBe("https://api.anthropic.test/v1/messages");
    expect(built.init.method).toBe("POST");
    expect(built.init.headers).toEqual({
      "x-api-key": KEY,
      "anthropic-version": "2023-06-01",
      "content-type": "application/json",
    });
    const pinned = anthropic.create({
      apiKey: KEY,
      baseUrl: config.ANTHROPIC_BASE_URL,
      fetch: noFetch,
      scrub: createScrubber([KEY]),
      config: { ...config, ANTHROPIC_VERSION: "2026-10-21" } as Config,
    });
    expect(pinned.adapters.chat?.buildRequest(ask({ messages: [user("Hi")] }), entry, 5).init.headers).toMatchObject({
      "anthropic-version": "2026-10-21",
    });
  });
});

describe("Anthropic chat adapter: requests", () => {
  it("sends the held output as max_tokens (never the client's field), the bare id, Standard capacity, and stream only when asked", () => {
    const body = sent({ messages: [user("Hi")], max_tokens: 100_000, max_completion_tokens: 90_000 }, 5);
    expect(body).toEqual({
      model: "claude-haiku-4-5",
      max_tokens: 5,
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
      service_tier: "standard_only",
    });
    expect(sent({ messages: [user("Hi")], stream: true, stream_options: { include_usage: false } })).toMatchObject({
      stream: true,
    });
    expect(sent({ messages: [user("Hi")], stream: false })).not.toHaveProperty("stream");
  });

  it("max_tokens is exactly the hold's output, capped by the model's limit; input is held at the dearest kind (1-hour writes)", () => {
    const request = ask({ messages: [user("Hi")], max_tokens: 100_000 });
    expect(chat.inputKinds(request)).toEqual(["input", "cached_input", "cache_write", "cache_write_1h"]);
    const hold = chatHold(entry, chatBoundRequest(request), {
      now: NOW,
      pricing: pricingConfig({ MARGIN_MULTIPLIER: "1.8", STRIPE_PRICE_USD_PER_CREDIT: "0.01" }),
      defaultMaxOutput: 4096,
      inputKinds: chat.inputKinds(request),
    });
    expect(hold.output_tokens).toBe(64_000);
    expect(Object.keys(hold.worstCase)).toContain("cache_write_1h");
    expect(sent(request, hold.output_tokens).max_tokens).toBe(64_000);
  });

  it("accepts temperature, top_p and seed and never sends them (they do not change the price)", () => {
    const body = sent({ messages: [user("Hi")], temperature: 0.2, top_p: 0.9, seed: 7 });
    for (const field of ["temperature", "top_p", "top_k", "seed"]) expect(body).not.toHaveProperty(field);
  });

  it("lifts system and developer messages, in order, into the top-level system", () => {
    const body = sent({
      messages: [
        { role: "system", content: "Be terse." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        user("Hi"),
        { role: "system", content: "Never apologise." },
      ],
    });
    expect(body.system).toBe("Be terse.\n\nAnswer in French.\n\nNever apologise.");
    expect(body.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Hi" }] }]);
  });

  it("merges consecutive messages of one role so that user and assistant alternate; blank text is left out", () => {
    const body = sent({
      messages: [
        user("First"),
        {
          role: "user",
          content: [
            { type: "text", text: "Second" },
            { type: "text", text: "  " },
          ],
        },
        { role: "assistant", content: "A" },
        { role: "assistant", content: "B", name: "bot" },
        user(""),
        user("C"),
      ],
    });
    expect(body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "First" },
          { type: "text", text: "Second" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "A" },
          { type: "text", text: "B" },
        ],
      },
      { role: "user", content: [{ type: "text", text: "C" }] },
    ]);
  });

  it("translates function tools; absent parameters become an empty object schema", () => {
    const body = sent({
      messages: [user("Weather?")],
      tools: [WEATHER, { type: "function", function: { name: "get_local_time", strict: true } }],
    });
    expect(body.tools).toEqual([
      { name: "get_weather", description: "Current weather", input_schema: WEATHER.function.parameters },
      { name: "get_local_time", input_schema: { type: "object", properties: {} } },
    ]);
    expect(body).not.toHaveProperty("tool_choice");
  });

  it.each([
    ["auto", undefined, { type: "auto" }],
    ["none", undefined, { type: "none" }],
    ["required", undefined, { type: "any" }],
    [{ type: "function", function: { name: "get_weather" } }, undefined, { type: "tool", name: "get_weather" }],
    [undefined, false, { type: "auto", disable_parallel_tool_use: true }],
    ["auto", false, { type: "auto", disable_parallel_tool_use: true }],
    ["required", false, { type: "any", disable_parallel_tool_use: true }],
    [
      { type: "function", function: { name: "get_weather" } },
      false,
      { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
    ],
    ["none", false, { type: "none" }],
    [undefined, true, undefined],
  ] as const)("tool_choice %j with parallel_tool_calls %j → %j", (choice, parallel, expected) => {
    const body = sent({
      messages: [user("Weather?")],
      tools: [WEATHER],
      ...(choice !== undefined ? { tool_choice: choice } : {}),
      ...(parallel !== undefined ? { parallel_tool_calls: parallel } : {}),
    });
    expect(body.tool_choice).toEqual(expected);
  });

  it("without tools, tool_choice auto/none is dropped and a forced choice is refused", () => {
    expect(sent({ messages: [user("Hi")], tool_choice: "none", parallel_tool_calls: false })).not.toHaveProperty(
      "tool_choice",
    );
    expect(refusal({ messages: [user("Hi")], tool_choice: "required" })).toMatchObject({
      code: "INVALID_REQUEST",
      param: "tool_choice",
    });
  });

  it.each([
    ["LangChain", ""],
    ["the Vercel AI SDK", null],
  ])("an assistant tool-call turn from %s (content %j) sends tool_use blocks and no text block", (_client, content) => {
    const body = sent({
      messages: [
        user("Weather in SF and Paris?"),
        {
          role: "assistant",
          content,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"SF"}' } },
            { id: "toolu_01A", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "58F sunny" },
        { role: "tool", tool_call_id: "toolu_01A", content: [{ type: "text", text: "64F cloudy" }] },
        user("Thanks. Which is warmer?"),
      ],
      tools: [WEATHER],
    });
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in SF and Paris?" }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "SF" } },
          { type: "tool_use", id: "toolu_01A", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "58F sunny" },
          { type: "tool_result", tool_use_id: "toolu_01A", content: [{ type: "text", text: "64F cloudy" }] },
          { type: "text", text: "Thanks. Which is warmer?" },
        ],
      },
    ]);
  });

  it("keeps tool results first in their user turn, maps foreign tool ids to Anthropic's alphabet, and reads '' arguments as {}", () => {
    const body = sent({
      messages: [
        { role: "assistant", content: "Let me check.", tool_calls: [call("functions.now:0", "now", "")] },
        user("(waiting)"),
        { role: "tool", tool_call_id: "functions.now:0", content: "" },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "functions_now_0", name: "now", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "functions_now_0" },
          { type: "text", text: "(waiting)" },
        ],
      },
    ]);
  });

  it("refuses tool-call arguments that are not a JSON object, naming the field", () => {
    for (const args of ['{"city":', "[1,2]", "42"]) {
      expect(
        refusal({
          messages: [
            user("Hi"),
            { role: "assistant", content: null, tool_calls: [call("call_9", "get_weather", args)] },
          ],
        }),
      ).toMatchObject({ code: "INVALID_REQUEST", status: 400, param: "messages[1].tool_calls[0].function.arguments" });
    }
  });

  it("stop becomes stop_sequences; safety_identifier (else user) becomes metadata.user_id", () => {
    expect(sent({ messages: [user("Hi")], stop: "###" })).toMatchObject({ stop_sequences: ["###"] });
    expect(sent({ messages: [user("Hi")], stop: ["a", "b"] })).toMatchObject({ stop_sequences: ["a", "b"] });
    expect(sent({ messages: [user("Hi")], stop: null })).not.toHaveProperty("stop_sequences");
    expect(sent({ messages: [user("Hi")], user: "u-1" })).toMatchObject({ metadata: { user_id: "u-1" } });
    expect(sent({ messages: [user("Hi")], user: "u-1", safety_identifier: "s-1" })).toMatchObject({
      metadata: { user_id: "s-1" },
    });
  });

  it("reasoning_effort low…max becomes output_config.effort", () => {
    for (const effort of ["low", "medium", "high", "xhigh", "max"] as const) {
      expect(sent({ messages: [user("Hi")], reasoning_effort: effort })).toMatchObject({ output_config: { effort } });
    }
  });

  it.each([
    ["logprobs", { logprobs: true }],
    ["top_logprobs", { top_logprobs: 3 }],
    ["logit_bias", { logit_bias: { "50256": -100 } }],
    ["presence_penalty", { presence_penalty: 0.5 }],
    ["frequency_penalty", { frequency_penalty: -1 }],
    ["response_format", { response_format: { type: "json_object" } }],
    ["response_format", { response_format: { type: "json_schema", json_schema: { name: "x", schema: {} } } }],
    ["reasoning_effort", { reasoning_effort: "none" }],
    ["reasoning_effort", { reasoning_effort: "minimal" }],
    ["prompt_cache_key", { prompt_cache_key: "cache-v1" }],
  ] as const)("refuses %s it cannot translate with a 400 naming it", (param, fields) => {
    const error = refusal({ messages: [user("Hi")], ...fields });
    expect(error).toMatchObject({ code: "INVALID_REQUEST", status: 400, param });
  });

  it("lets OpenAI's default values through: they ask for nothing", () => {
    const body = sent({
      messages: [user("Hi")],
      logprobs: false,
      top_logprobs: 0,
      logit_bias: {},
      presence_penalty: 0,
      frequency_penalty: 0,
      response_format: { type: "text" },
      n: 1,
    });
    expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "model", "service_tier"]);
  });

  it("refuses non-text parts, a tool message without tool_call_id, and a conversation of system messages only", () => {
    expect(
      refusal({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] }),
    ).toMatchObject({ param: "messages[0].content[0].type" });
    expect(refusal({ messages: [user("Hi"), { role: "tool", content: "x" }] })).toMatchObject({
      param: "messages[1].tool_call_id",
    });
    expect(refusal({ messages: [{ role: "system", content: "Be terse." }] })).toMatchObject({ param: "messages" });
  });
});

function call(id: string, name: string, args: string) {
  return { id, type: "function" as const, function: { name, arguments: args } };
}

/** The recorded answer, read through the adapter; fails the test on an ApiError. */
function answer(name: string) {
  const parsed = chat.parseResponse(readFixtureJson("anthropic", name));
  if (parsed instanceof ApiError) throw parsed;
  expect(ChatCompletionSchema.safeParse(parsed.body).success).toBe(true);
  return parsed;
}

const choice = (body: ReturnType<typeof answer>["body"]) => body.choices[0] as Record<string, unknown>;
const messageOf = (body: ReturnType<typeof answer>["body"]) => choice(body).message as Record<string, unknown>;

describe("Anthropic chat adapter: answers", () => {
  it("a text answer: chat.completion with Anthropic's id, now as created, the answering model, and both usages", () => {
    const { body, usage } = answer("plain");
    expect(body).toMatchObject({
      id: "chatcmpl-msg_011CcnjVcgeY1HxJJJBmgZBe",
      object: "chat.completion",
      created: NOW / 1000,
      model: "claude-opus-4-7",
      choices: [{ index: 0, message: { role: "assistant", content: "OK" }, finish_reason: "stop" }],
      usage: {
        prompt_tokens: 21,
        completion_tokens: 6,
        total_tokens: 27,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
    expect(messageOf(body)).not.toHaveProperty("tool_calls");
    expect(usage).toEqual({ input: 21, cached_input: 0, cache_write: 0, cache_write_1h: 0, output: 6, reasoning: 0 });
  });

  it("a tool call: content null, the toolu_ id, arguments as a JSON string, finish_reason tool_calls", () => {
    const { body, usage } = answer("tool-call");
    expect(messageOf(body)).toEqual({
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [
        {
          id: "toolu_01KFbKqPYSuAKujiL6mTfzYA",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"San Francisco","unit":"fahrenheit"}' },
        },
      ],
    });
    expect(choice(body).finish_reason).toBe("tool_calls");
    expect(usage).toMatchObject({ input: 849, output: 47 });
  });

  it("parallel tool calls keep their order and ids; a call without input has arguments {}", () => {
    const { body } = answer("parallel-tools");
    expect(messageOf(body).content).toBe("I'll check the weather in both cities.");
    expect(messageOf(body).tool_calls).toEqual([
      {
        id: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"San Francisco"}' },
      },
      { id: "toolu_01Q9ExVZnzZj7E2QQYHYtNUa", type: "function", function: { name: "get_local_time", arguments: "{}" } },
    ]);
  });

  it("the answer after a tool result is plain text", () => {
    const { body } = answer("tool-result");
    expect(messageOf(body).content).toBe("It's 58°F and sunny in San Francisco right now.");
    expect(choice(body).finish_reason).toBe("stop");
  });

  it("cache reads and 5-minute and 1-hour writes are billed apart; prompt_tokens counts them all", () => {
    const { body, usage } = answer("cache-usage");
    expect(usage).toEqual({
      input: 6,
      cached_input: 6289,
      cache_write: 2048,
      cache_write_1h: 1289,
      output: 198,
      reasoning: 0,
    });
    expect(body.usage).toMatchObject({
      prompt_tokens: 6 + 6289 + 3337,
      completion_tokens: 198,
      total_tokens: 6 + 6289 + 3337 + 198,
      prompt_tokens_details: { cached_tokens: 6289, cache_write_tokens: 3337 },
    });
  });

  it("thinking is billed as reasoning inside completion_tokens and never shown", () => {
    const { body, usage } = answer("thinking");
    expect(messageOf(body).content).toBe("The GCD of 1071 and 462 is **21**.");
    expect(usage).toMatchObject({ output: 34, reasoning: 62 });
    expect(body.usage).toMatchObject({ completion_tokens: 96, completion_tokens_details: { reasoning_tokens: 62 } });
  });

  it("finish reasons: max_tokens is length, refusal is content_filter (with no content)", () => {
    expect(choice(answer("max-tokens").body).finish_reason).toBe("length");
    const refused = answer("refusal").body;
    expect(choice(refused).finish_reason).toBe("content_filter");
    expect(messageOf(refused).content).toBeNull();
  });

  it("refuses an answer it cannot read", () => {
    const plain = readFixtureJson<Record<string, unknown>>("anthropic", "plain");
    expect(chat.parseResponse({ ...plain, usage: undefined })).toMatchObject({ code: "PROVIDER_ERROR" });
    expect(
      chat.parseResponse({
        ...plain,
        content: [{ type: "tool_use", id: "toolu_1", name: "x", input: "not an object" }],
      }),
    ).toMatchObject({ code: "PROVIDER_ERROR" });
  });

  it("usage: a cache-write total without its breakdown is 5-minute writes; a total above the breakdown too", () => {
    expect(usageFromAnthropic({ input_tokens: 1, output_tokens: 2, cache_creation_input_tokens: 300 })).toMatchObject({
      cache_write: 300,
      cache_write_1h: 0,
    });
    expect(
      usageFromAnthropic({
        input_tokens: 1,
        output_tokens: 2,
        cache_creation_input_tokens: 500,
        cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 300 },
      }),
    ).toMatchObject({ cache_write: 200, cache_write_1h: 300 });
  });
});
