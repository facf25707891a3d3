// Anthropic behind both chat routes, end to end: the real app (workerd) against the fake Anthropic
// replaying test/fixtures/anthropic/. Charges are worked out by hand from the catalog below.
import { describe, expect, it } from "vitest";
import {
  account,
  chat,
  funded,
  prompt,
  readThenDisconnect,
  settledAccount,
  sseData,
  streamedContent,
  streamedToolCalls,
  upstreamAborted,
  upstreamRequests,
  usageEntries,
} from "../helpers/chat.ts";
import { bearer, expectError, gw, json } from "../helpers/gateway.ts";

const HAIKU = "anthropic/claude-haiku-4-5";
const SONNET = "anthropic/claude-sonnet-5";
type Usage = Partial<
  Record<"input" | "cached_input" | "cache_write" | "cache_write_1h" | "output" | "reasoning", number>
>;
/**
 * µcr per token: the catalog's USD per 1M tokens x 1.8 margin / $0.01 per credit = price x 180.
 * claude-haiku-4-5: $1 input, $0.10 cache reads, $1.25 5-minute and $2 1-hour cache writes, $5 output.
 * claude-sonnet-5: $3, $0.30, $3.75, $6, $15.
 */
const RATES = {
  [HAIKU]: { input: 180, cached_input: 18, cache_write: 225, cache_write_1h: 360, output: 900, reasoning: 900 },
  [SONNET]: { input: 540, cached_input: 54, cache_write: 675, cache_write_1h: 1080, output: 2700, reasoning: 2700 },
};
const micros = (model: keyof typeof RATES, usage: Usage) =>
  Object.entries(usage).reduce((sum, [kind, n]) => sum + n * RATES[model][kind as keyof Usage], 0);

const START = 10_000_000;
const user = (content: string) => [{ role: "user", content }];
const TOOLS = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Current weather",
      parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } } },
    },
  },
];

async function expectNothingCharged(key: string) {
  expect(await settledAccount(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  expect(await usageEntries(key)).toEqual([]);
}

describe("POST /v1/chat with provider anthropic (the original call)", () => {
  it("answers, and charges exactly the catalog price of the reported usage", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const res = await gw(
      "/v1/chat",
      json({ provider: "anthropic", model: "claude-haiku-4-5", messages: user(content) }, bearer(key)),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; choices: { message: { content: string } }[]; usage: object };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message.content).toBe("Hello!");
    expect(body.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    // text.json: 10 input x 180 + 5 output x 900 = 6,300 µcr
    expect(res.headers.get("x-credits-charged")).toBe("0.0063");
    expect(res.headers.get("x-credits-remaining")).toBe("9.9937");
    expect(await account(key)).toMatchObject({ credits_micros: START - 6300, held_micros: 0 });
    expect(await usageEntries(key)).toEqual([
      expect.objectContaining({
        amount_micros: -6300,
        request_id: res.headers.get("x-request-id"),
        usage: { input: 10, output: 5 },
      }),
    ]);
    expect((await upstreamRequests(marker, "anthropic"))[0]?.body.model).toBe("claude-haiku-4-5");
  });
});

describe("what reaches Anthropic", () => {
  it("the Messages API with the gateway's key and version, the bare id, and the held output as max_tokens", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const res = await chat(key, {
      model: HAIKU,
      messages: [{ role: "system", content: "Be terse." }, ...user(content)],
      temperature: 0.2,
      stop: ["\n\n"],
      user: "end-user-7",
    });
    expect(res.status).toBe(200);
    const [upstream] = await upstreamRequests(marker, "anthropic");
    expect(upstream?.path).toBe("/v1/messages");
    expect(upstream?.headers).toMatchObject({
      "x-api-key": "sk-ant-fake-gateway-key",
      "anthropic-version": "2023-06-01",
    });
    expect(upstream?.headers).not.toHaveProperty("authorization");
    expect(upstream?.body).toMatchObject({
      model: "claude-haiku-4-5",
      max_tokens: 4096,
      system: "Be terse.",
      messages: [{ role: "user", content: [{ type: "text", text: content }] }],
      stop_sequences: ["\n\n"],
      metadata: { user_id: "end-user-7" },
      service_tier: "standard_only",
    });
    // dropped: it never changes the price, and current models refuse it
    expect(upstream?.body).not.toHaveProperty("temperature");
    expect(upstream?.body).not.toHaveProperty("stream");
  });

  it("the client's limit, capped at the model's, in max_tokens; a stream asks for one", async () => {
    const { key } = await funded(100); // 64,000 output tokens held: 57.6 credits
    const plain = prompt();
    await chat(key, { model: HAIKU, max_completion_tokens: 1_000_000, messages: user(plain.content) });
    expect((await upstreamRequests(plain.marker, "anthropic"))[0]?.body.max_tokens).toBe(64_000);
    const streamed = prompt();
    const res = await chat(key, { model: HAIKU, stream: true, max_tokens: 50, messages: user(streamed.content) });
    await res.text();
    expect((await upstreamRequests(streamed.marker, "anthropic"))[0]?.body).toMatchObject({
      max_tokens: 50,
      stream: true,
    });
  });

  it("a small balance lowers the max_tokens sent to what it affords", async () => {
    const { key } = await funded(0.5); // 500,000 µcr: about 550 output tokens of claude-haiku-4-5
    const { marker, content } = prompt();
    expect((await chat(key, { model: HAIKU, messages: user(content) })).status).toBe(200);
    const sent = (await upstreamRequests(marker, "anthropic"))[0]?.body.max_tokens as number;
    expect(sent).toBeGreaterThanOrEqual(16);
    expect(sent).toBeLessThan(4096);
  });
});

describe("/v1/chat/completions: plain and streamed charge the same for the same usage", () => {
  it.each([
    ["plain", HAIKU, { input: 21, output: 6 }],
    ["cache-usage", SONNET, { input: 6, cached_input: 6289, cache_write: 2048, cache_write_1h: 1289, output: 198 }],
    ["thinking", SONNET, { input: 47, output: 34, reasoning: 62 }],
  ] as const)("%s", async (scenario, model, usage) => {
    const { key } = await funded(100);
    const expected = micros(model, usage);
    const plain = await chat(key, { model, messages: user(`[[scenario:${scenario}]]`) });
    expect(plain.status).toBe(200);
    const answer = (await plain.json()) as { choices: { message: { content: string } }[] };
    const streamed = await chat(key, { model, stream: true, messages: user(`[[scenario:${scenario}]]`) });
    const frames = sseData(await streamed.text());
    expect(frames.at(-1)).toBe("[DONE]");
    // the same text both ways; thinking is never shown
    expect(streamedContent(frames.slice(0, -1))).toBe(answer.choices[0]?.message.content);
    expect(answer.choices[0]?.message.content).not.toContain("Euclid");
    expect(plain.headers.get("x-credits-charged")).toBe(String(expected / 1_000_000));
    const entries = await usageEntries(key);
    expect(entries.map((e) => [e.amount_micros, e.usage])).toEqual([
      [-expected, usage],
      [-expected, usage],
    ]);
    expect(await account(key)).toMatchObject({ credits_micros: 100 * 1_000_000 - 2 * expected, held_micros: 0 });
  });

  it("cache reads and writes are in prompt_tokens, and the 1-hour writes cost more than the 5-minute ones", async () => {
    const { key } = await funded(100);
    const res = await chat(key, { model: SONNET, messages: user("[[scenario:cache-usage]]") });
    const body = (await res.json()) as { usage: Record<string, unknown> };
    expect(body.usage).toMatchObject({
      prompt_tokens: 6 + 6289 + 3337,
      completion_tokens: 198,
      prompt_tokens_details: { cached_tokens: 6289, cache_write_tokens: 3337 },
    });
    // 6 x 540 + 6,289 x 54 + 2,048 x 675 + 1,289 x 1,080 + 198 x 2,700
    expect(res.headers.get("x-credits-charged")).toBe("3.651966");
  });

  it("a tool call comes back as tool_calls with finish_reason tool_calls, plain and streamed, at one price", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt("[[scenario:tool-call]]");
    const plain = await chat(key, { model: HAIKU, messages: user(content), tools: TOOLS, tool_choice: "auto" });
    const body = (await plain.json()) as {
      choices: { message: { content: null; tool_calls: { id: string; function: object }[] }; finish_reason: string }[];
    };
    expect(body.choices[0]?.finish_reason).toBe("tool_calls");
    expect(body.choices[0]?.message.content).toBeNull();
    expect(body.choices[0]?.message.tool_calls).toEqual([
      {
        id: "toolu_01KFbKqPYSuAKujiL6mTfzYA",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"San Francisco","unit":"fahrenheit"}' },
      },
    ]);
    expect((await upstreamRequests(marker, "anthropic"))[0]?.body).toMatchObject({
      tools: [{ name: "get_weather", description: "Current weather", input_schema: TOOLS[0]?.function.parameters }],
      tool_choice: { type: "auto" },
    });

    const res = await chat(key, { model: HAIKU, stream: true, messages: user(content), tools: TOOLS });
    const { calls, finish } = streamedToolCalls(sseData(await res.text()).slice(0, -1));
    expect(finish).toBe("tool_calls");
    expect(calls.map((c) => [c.id, c.name, JSON.parse(c.arguments)])).toEqual([
      ["toolu_01KFbKqPYSuAKujiL6mTfzYA", "get_weather", { city: "San Francisco", unit: "fahrenheit" }],
    ]);
    const charge = micros(HAIKU, { input: 849, output: 47 }); // 195,120 µcr
    expect((await usageEntries(key)).map((e) => e.amount_micros)).toEqual([-charge, -charge]);
  });

  it("the turn with the tool result answers", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const res = await chat(key, {
      model: HAIKU,
      tools: TOOLS,
      messages: [
        ...user(content),
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "toolu_01KFbKqPYSuAKujiL6mTfzYA",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"San Francisco"}' },
            },
          ],
        },
        {
          role: "tool",
          tool_call_id: "toolu_01KFbKqPYSuAKujiL6mTfzYA",
          content: "58°F, sunny [[scenario:tool-result]]",
        },
      ],
    });
    const body = (await res.json()) as { choices: { message: { content: string }; finish_reason: string }[] };
    expect(body.choices[0]).toMatchObject({
      message: { content: "It's 58°F and sunny in San Francisco right now." },
      finish_reason: "stop",
    });
    const [upstream] = await upstreamRequests(marker, "anthropic");
    expect(
      (upstream?.body.messages as { content: { type: string }[] }[] | undefined)?.map((m) =>
        m.content.map((b) => b.type),
      ),
    ).toEqual([["text"], ["tool_use"], ["tool_result"]]);
    expect(res.headers.get("x-credits-charged")).toBe(String(micros(HAIKU, { input: 921, output: 17 }) / 1e6));
  });
});

describe("fields Anthropic cannot honour: 400 naming the field, nothing sent, nothing held", () => {
  it.each([
    ["logprobs", { logprobs: true }],
    ["top_logprobs", { top_logprobs: 2 }],
    ["logit_bias", { logit_bias: { "50256": -100 } }],
    ["presence_penalty", { presence_penalty: 0.5 }],
    ["frequency_penalty", { frequency_penalty: -1 }],
    ["response_format", { response_format: { type: "json_object" } }],
    ["prompt_cache_key", { prompt_cache_key: "k-1" }],
    ["reasoning_effort", { reasoning_effort: "minimal" }],
    ["tool_choice", { tool_choice: "required" }],
  ])("%s", async (param, fields) => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const error = await expectError(
      await chat(key, { model: HAIKU, messages: user(content), ...fields }),
      400,
      "INVALID_REQUEST",
    );
    expect(error.param).toBe(param);
    expect(await upstreamRequests(marker, "anthropic")).toEqual([]);
    await expectNothingCharged(key);
  });
});

describe("Anthropic's errors before the answer: mapped, released, nothing charged", () => {
  it.each([
    ["400", 400, "INVALID_REQUEST"],
    ["400:credit", 502, "PROVIDER_ERROR"],
    ["400:spend-limit", 502, "PROVIDER_ERROR"],
    ["401", 502, "PROVIDER_ERROR"],
    ["404", 502, "PROVIDER_ERROR"],
    ["429", 429, "PROVIDER_RATE_LIMITED"],
    ["500", 502, "PROVIDER_ERROR"],
    ["529", 502, "PROVIDER_ERROR"],
  ])("error %s is %i %s", async (fixture, status, code) => {
    const { key } = await funded(10);
    const { content } = prompt(`[[scenario:error:${fixture}]]`);
    for (const stream of [false, true]) {
      const res = await chat(key, { model: HAIKU, stream, messages: user(content) });
      const text = await res.clone().text();
      const error = await expectError(res, status, code);
      expect(text).not.toMatch(/sk-ant|x-api-key|credit balance|usage limits/i);
      if (fixture === "400") {
        expect(error.message).toContain("JSON schema is invalid");
        expect(error.param).toBe("tools[0]");
      }
      if (status === 429) expect(res.headers.get("retry-after")).toBe("7");
      if (fixture === "529" || fixture === "500") expect(res.headers.get("x-should-retry")).toBe("true");
    }
    await expectNothingCharged(key);
  });
});

describe("streams that break: a final error frame, and what was streamed is charged", () => {
  it.each([
    // message_start reports 12 input; "Hello! I" streamed (8 bytes: 2 tokens) beats the 1 output reported
    ["Anthropic's error event", "[[scenario:stream-error]]", "Hello! I", { input: 12, output: 2 }],
    ["an error event after the text", "[[scenario:plain]] [[error-mid-stream:4]]", "OK", { input: 21, output: 1 }],
    ["a connection reset", "[[scenario:plain]] [[reset-after:4]]", "OK", { input: 21, output: 1 }],
    // message_delta carried the final usage, but without message_stop the answer is not complete
    ["a cut before message_stop", "[[scenario:plain]] [[reset-after:6]]", "OK", { input: 21, output: 6 }],
  ])("%s", async (_, directives, text, usage) => {
    const { key } = await funded(10);
    const res = await chat(key, { model: HAIKU, stream: true, messages: user(directives) });
    expect(res.status).toBe(200);
    const frames = sseData(await res.text());
    expect(frames).not.toContain("[DONE]");
    const last = JSON.parse(frames.at(-1) as string) as { error: { code: string; request_id: string } };
    expect(last.error).toMatchObject({ code: "PROVIDER_ERROR", request_id: res.headers.get("x-request-id") });
    expect(streamedContent(frames.slice(0, -1))).toBe(text);
    expect((await usageEntries(key)).map((e) => e.usage)).toEqual([usage]);
    expect(await settledAccount(key)).toMatchObject({ credits_micros: START - micros(HAIKU, usage), held_micros: 0 });
  });
});

describe("a client that disconnects mid-stream", () => {
  const LONG = "[[scenario:plain]] [[repeat:3:400]] [[delay:10]]"; // 400 "OK" deltas, 10 ms apart

  it("is charged Anthropic's reported input and the output streamed, leaves no hold, and the call is aborted", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt(LONG);
    const res = await chat(key, { model: HAIKU, stream: true, messages: user(content) });
    await readThenDisconnect(res, /"content":"OK"/, 3);
    const after = await settledAccount(key);
    expect(after.held_micros).toBe(0);
    const [entry] = await usageEntries(key);
    // message_start reported 21 input tokens: that wins over ceil(input bytes / 4)
    expect(entry?.usage?.input).toBe(21);
    expect(entry?.usage?.output).toBeGreaterThanOrEqual(Math.ceil(("OK".length * 3) / 4));
    expect(entry?.usage?.output).toBeLessThan(("OK".length * 400) / 4);
    expect(entry?.amount_micros).toBe(-micros(HAIKU, entry?.usage ?? {}));
    expect(after.credits_micros).toBe(START + (entry?.amount_micros ?? 0));
    expect(await upstreamAborted(marker, "anthropic")).toBe(true);
  });

  it("never more output than was held", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt(LONG);
    const res = await chat(key, { model: HAIKU, stream: true, max_tokens: 10, messages: user(content) });
    // 24 x "OK" = 48 bytes streamed: 12 tokens by bytes, more than the 10 held
    await readThenDisconnect(res, /"content":"OK"/, 24);
    const after = await settledAccount(key);
    expect((await usageEntries(key))[0]?.usage).toEqual({ input: 21, output: 10 });
    // 21 x 180 + 10 x 900 = 12,780 µcr
    expect(after).toMatchObject({ credits_micros: START - 12_780, held_micros: 0 });
    expect(await upstreamAborted(marker, "anthropic")).toBe(true);
  });
});
