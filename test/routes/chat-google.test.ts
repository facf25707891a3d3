// Gemini behind both chat routes, end to end: the real app (workerd) against the fake Gemini API
// replaying test/fixtures/google/. Charges are worked out by hand from the catalog below.
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

const PRO = "google/gemini-3.1-pro-preview";
type Usage = Partial<Record<"input" | "cached_input" | "output" | "reasoning", number>>;
/**
 * gemini-3.1-pro-preview (up to 200K input): $2 input, $0.20 cached input, $12 output and thinking
 * per 1M tokens; x 1.8 margin / $0.01 per credit = 360, 36 and 2,160 µcr per token.
 */
const RATES = { input: 360, cached_input: 36, output: 2160, reasoning: 2160 };
const micros = (usage: Usage) =>
  Object.entries(usage).reduce((sum, [kind, n]) => sum + n * RATES[kind as keyof Usage], 0);
const credits = (usage: Usage) => String(micros(usage) / 1_000_000);

const START = 10_000_000;
const user = (content: string) => [{ role: "user", content }];
const TOOLS = [
  {
    type: "function",
    function: {
      name: "weather",
      description: "Current weather",
      parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
    },
  },
];
/** plain.*'s reported usage: 9 prompt, 23 candidates, 302 thoughts. */
const PLAIN = { input: 9, output: 23, reasoning: 302 };

async function expectNothingCharged(key: string) {
  expect(await settledAccount(key)).toMatchObject({ credits_micros: START, held_micros: 0 });
  expect(await usageEntries(key)).toEqual([]);
}

describe("POST /v1/chat with provider google (the original call)", () => {
  it("answers, and charges exactly the catalog price of the reported usage, thinking included", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const res = await gw(
      "/v1/chat",
      json({ provider: "google", model: "gemini-3.1-pro-preview", messages: user(content) }, bearer(key)),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; choices: { message: { content: string } }[]; usage: object };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message.content).toBe(
      "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.",
    );
    expect(body.usage).toMatchObject({
      prompt_tokens: 9,
      completion_tokens: 28 + 244,
      completion_tokens_details: { reasoning_tokens: 244 },
    });
    // text.json: 9 input x 360 + (28 output + 244 thinking) x 2,160 = 590,760 µcr
    expect(res.headers.get("x-credits-charged")).toBe("0.59076");
    expect(res.headers.get("x-credits-remaining")).toBe("9.40924");
    expect(await account(key)).toMatchObject({ credits_micros: START - 590_760, held_micros: 0 });
    expect(await usageEntries(key)).toEqual([
      expect.objectContaining({
        amount_micros: -590_760,
        request_id: res.headers.get("x-request-id"),
        usage: { input: 9, output: 28, reasoning: 244 },
      }),
    ]);
    expect((await upstreamRequests(marker, "google"))[0]?.path).toBe(
      "/v1beta/models/gemini-3.1-pro-preview:generateContent",
    );
  });
});

describe("what reaches Google", () => {
  it("generateContent for the bare id, the key in x-goog-api-key only, the held output as maxOutputTokens", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const res = await chat(key, {
      model: PRO,
      messages: [{ role: "system", content: "Be terse." }, ...user(content)],
      temperature: 0.2,
      stop: ["\n\n"],
    });
    expect(res.status).toBe(200);
    const [upstream] = await upstreamRequests(marker, "google");
    expect(upstream?.path).toBe("/v1beta/models/gemini-3.1-pro-preview:generateContent");
    expect(upstream?.headers["x-goog-api-key"]).toBe("AIzaFakeGatewayKey-0000000000000000000");
    expect(upstream?.headers).not.toHaveProperty("authorization");
    expect(upstream?.path).not.toMatch(/key=|AIza/);
    expect(upstream?.body).toEqual({
      systemInstruction: { parts: [{ text: "Be terse." }] },
      contents: [{ role: "user", parts: [{ text: content }] }],
      generationConfig: { maxOutputTokens: 4096, temperature: 0.2, stopSequences: ["\n\n"] },
    });
  });

  it("streams from streamGenerateContent?alt=sse; the client's limit, capped at the model's, as maxOutputTokens", async () => {
    const { key } = await funded(200); // 65,536 output tokens held: 141.6 credits
    const streamed = prompt();
    const res = await chat(key, { model: PRO, stream: true, max_tokens: 50, messages: user(streamed.content) });
    await res.text();
    const [upstream] = await upstreamRequests(streamed.marker, "google");
    expect(upstream?.path).toBe("/v1beta/models/gemini-3.1-pro-preview:streamGenerateContent?alt=sse");
    expect(upstream?.headers["x-goog-api-key"]).toBe("AIzaFakeGatewayKey-0000000000000000000");
    expect(upstream?.body.generationConfig).toEqual({ maxOutputTokens: 50 });
    const capped = prompt();
    await chat(key, { model: PRO, max_completion_tokens: 1_000_000, messages: user(capped.content) });
    expect((await upstreamRequests(capped.marker, "google"))[0]?.body.generationConfig).toEqual({
      maxOutputTokens: 65_536,
    });
  });

  it("a small balance lowers maxOutputTokens to what it affords", async () => {
    const { key } = await funded(0.5); // 500,000 µcr: about 230 output tokens of gemini-3.1-pro-preview
    const { marker, content } = prompt();
    expect((await chat(key, { model: PRO, messages: user(content) })).status).toBe(200);
    const config = (await upstreamRequests(marker, "google"))[0]?.body.generationConfig as { maxOutputTokens: number };
    expect(config.maxOutputTokens).toBeGreaterThanOrEqual(16);
    expect(config.maxOutputTokens).toBeLessThan(4096);
  });
});

describe("/v1/chat/completions: plain and streamed charge the same for the same usage", () => {
  it.each([
    ["plain", PLAIN],
    // cachedContentTokenCount (3) is part of promptTokenCount (19); built-in tool prompts (63) are input
    ["cache-usage", { input: 19 - 3 + 63, cached_input: 3, output: 4, reasoning: 56 }],
    ["tool-result", { input: 61, output: 13, reasoning: 47 }],
  ] as const)("%s", async (scenario, usage) => {
    const { key } = await funded(10);
    const plain = await chat(key, { model: PRO, messages: user(`[[scenario:${scenario}]]`) });
    expect(plain.status).toBe(200);
    const answer = (await plain.json()) as { choices: { message: { content: string } }[] };
    const streamed = await chat(key, { model: PRO, stream: true, messages: user(`[[scenario:${scenario}]]`) });
    const frames = sseData(await streamed.text());
    expect(frames.at(-1)).toBe("[DONE]");
    expect(streamedContent(frames.slice(0, -1))).toBe(answer.choices[0]?.message.content);
    expect(plain.headers.get("x-credits-charged")).toBe(credits(usage));
    const entries = await usageEntries(key);
    expect(entries.map((e) => [e.amount_micros, e.usage])).toEqual([
      [-micros(usage), usage],
      [-micros(usage), usage],
    ]);
    expect(await account(key)).toMatchObject({ credits_micros: START - 2 * micros(usage), held_micros: 0 });
  });

  it("cached tokens are reported in prompt_tokens_details", async () => {
    const { key } = await funded(10);
    const res = await chat(key, { model: PRO, messages: user("[[scenario:cache-usage]]") });
    expect(((await res.json()) as { usage: object }).usage).toMatchObject({
      prompt_tokens: 19 + 63,
      completion_tokens: 4 + 56,
      prompt_tokens_details: { cached_tokens: 3 },
    });
    // 79 x 360 + 3 x 36 + (4 + 56) x 2,160 = 158,148 µcr
    expect(res.headers.get("x-credits-charged")).toBe("0.158148");
  });

  it("thinking is billed at the output price and never shown (the recorded stream reports 256 thoughts, the answer 282)", async () => {
    const { key } = await funded(10);
    const plain = await chat(key, { model: PRO, messages: user("[[scenario:thinking]]") });
    const answer = (await plain.json()) as { choices: { message: { content: string } }[] };
    expect(answer.choices[0]?.message.content).not.toContain("Counting the letters");
    expect(plain.headers.get("x-credits-charged")).toBe(credits({ input: 9, output: 29, reasoning: 282 }));
    const streamed = await chat(key, { model: PRO, stream: true, messages: user("[[scenario:thinking]]") });
    expect(streamedContent(sseData(await streamed.text()).slice(0, -1))).toBe(answer.choices[0]?.message.content);
    expect((await usageEntries(key)).map((e) => e.usage)).toEqual([
      { input: 9, output: 29, reasoning: 256 },
      { input: 9, output: 29, reasoning: 282 },
    ]);
  });

  it("a function call comes back as tool_calls with finish_reason tool_calls, plain and streamed, at one price", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt("[[scenario:tool-call]]");
    const plain = await chat(key, { model: PRO, messages: user(content), tools: TOOLS, tool_choice: "auto" });
    const body = (await plain.json()) as {
      choices: { message: { content: null; tool_calls: { id: string; function: object }[] }; finish_reason: string }[];
    };
    expect(body.choices[0]?.finish_reason).toBe("tool_calls");
    expect(body.choices[0]?.message.content).toBeNull();
    const [call] = body.choices[0]?.message.tool_calls ?? [];
    // the id carries Gemini 3's thoughtSignature, so the next turn can send it back
    expect(call?.id).toMatch(/^call_[0-9a-f]{16}_ts_[A-Za-z0-9_-]+$/);
    expect(call?.function).toEqual({ name: "weather", arguments: '{"location":"San Francisco"}' });
    expect((await upstreamRequests(marker, "google"))[0]?.body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: "weather", description: "Current weather" }] }],
      toolConfig: { functionCallingConfig: { mode: "AUTO" } },
    });

    const res = await chat(key, { model: PRO, stream: true, messages: user(content), tools: TOOLS });
    const { calls, finish } = streamedToolCalls(sseData(await res.text()).slice(0, -1));
    expect(finish).toBe("tool_calls");
    expect(calls).toEqual([{ id: call?.id, name: "weather", arguments: '{"location":"San Francisco"}' }]);
    // tool-call.*: 29 x 360 + (15 + 45 thoughts) x 2,160 = 140,040 µcr, each
    const usage = { input: 29, output: 15, reasoning: 45 };
    expect((await usageEntries(key)).map((e) => [e.amount_micros, e.usage])).toEqual([
      [-140_040, usage],
      [-140_040, usage],
    ]);
  });

  it("the turn with the tool result answers, and sends the call's signature back", async () => {
    const { key } = await funded(10);
    const first = await chat(key, { model: PRO, messages: user("[[scenario:tool-call]]"), tools: TOOLS });
    const message = ((await first.json()) as { choices: { message: { tool_calls: { id: string }[] } }[] }).choices[0]
      ?.message;
    const { marker, content } = prompt();
    const res = await chat(key, {
      model: PRO,
      tools: TOOLS,
      messages: [
        ...user(content),
        message,
        { role: "tool", tool_call_id: message?.tool_calls[0]?.id, content: "72°F, sunny [[scenario:tool-result]]" },
      ],
    });
    const body = (await res.json()) as { choices: { message: { content: string }; finish_reason: string }[] };
    expect(body.choices[0]).toMatchObject({
      message: { content: "It is 72°F and sunny in San Francisco right now." },
      finish_reason: "stop",
    });
    const [upstream] = await upstreamRequests(marker, "google");
    expect(upstream?.body.contents).toEqual([
      { role: "user", parts: [{ text: content }] },
      {
        role: "model",
        parts: [
          {
            functionCall: { name: "weather", args: { location: "San Francisco" } },
            thoughtSignature: expect.stringMatching(/^EqUCCqICAb4\+9vsh8Pd5/),
          },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "weather", response: { content: "72°F, sunny [[scenario:tool-result]]" } } },
        ],
      },
    ]);
    expect(res.headers.get("x-credits-charged")).toBe(credits({ input: 61, output: 13, reasoning: 47 }));
  });
});

describe("fields Gemini cannot honour: 400 naming the field, nothing sent, nothing held", () => {
  it.each([
    ["logprobs", { logprobs: true }],
    ["top_logprobs", { top_logprobs: 2 }],
    ["logit_bias", { logit_bias: { "50256": -100 } }],
    ["presence_penalty", { presence_penalty: 0.5 }],
    ["frequency_penalty", { frequency_penalty: -1 }],
    ["prompt_cache_key", { prompt_cache_key: "k-1" }],
    ["reasoning_effort", { reasoning_effort: "minimal" }],
    ["response_format", { response_format: { type: "xml" } }],
    ["parallel_tool_calls", { tools: TOOLS, parallel_tool_calls: false }],
    ["tool_choice", { tool_choice: "required" }],
  ])("%s", async (param, fields) => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const error = await expectError(
      await chat(key, { model: PRO, messages: user(content), ...fields }),
      400,
      "INVALID_REQUEST",
    );
    expect(error.param).toBe(param);
    expect(await upstreamRequests(marker, "google")).toEqual([]);
    await expectNothingCharged(key);
  });
});

describe("Gemini's errors before the answer: mapped, released, nothing charged", () => {
  it.each([
    ["400", 400, "INVALID_REQUEST"],
    ["400:api-key-invalid", 502, "PROVIDER_ERROR"],
    ["400:api-key", 502, "PROVIDER_ERROR"],
    ["403", 502, "PROVIDER_ERROR"],
    ["404", 502, "PROVIDER_ERROR"],
    ["429", 429, "PROVIDER_RATE_LIMITED"],
    ["500", 502, "PROVIDER_ERROR"],
    ["503", 502, "PROVIDER_ERROR"],
  ])("error %s is %i %s", async (fixture, status, code) => {
    const { key } = await funded(10);
    const { content } = prompt(`[[scenario:error:${fixture}]]`);
    for (const stream of [false, true]) {
      const res = await chat(key, { model: PRO, stream, messages: user(content) });
      const text = await res.clone().text();
      const error = await expectError(res, status, code);
      expect(text).not.toMatch(/AIza|API key|unregistered callers/i);
      if (fixture === "400") expect(error.message).toContain("only one of thinking budget and thinking level");
      // RetryInfo's retryDelay "34.4s", rounded up
      if (status === 429) expect(res.headers.get("retry-after")).toBe("35");
      if (fixture === "400:api-key-invalid") expect(res.headers.get("x-should-retry")).toBe("false");
    }
    await expectNothingCharged(key);
  });
});

describe("streams that break: a final error frame, and what was streamed is charged", () => {
  const FIRST = 'There are **3** "r"s in strawberry.\n\n'; // plain.chunks.txt's first frame: 37 bytes
  it.each([
    ["Gemini's error frame", "[[scenario:stream-error]]", "There are **3**", { input: 9, output: 5, reasoning: 185 }],
    // reported output 13 beats ceil(37 bytes / 4) = 10
    ["an error frame after the text", "[[scenario:plain]] [[error-mid-stream:1]]", FIRST, { ...PLAIN, output: 13 }],
    ["a connection reset", "[[scenario:plain]] [[reset-after:1]]", FIRST, { ...PLAIN, output: 13 }],
    // the usage is complete, but without a finishReason the answer is not
    ["a cut before the finish", "[[scenario:plain]] [[reset-after:2]]", `${FIRST}St**r**awbe**rr**y`, PLAIN],
  ])("%s", async (_, directives, text, usage) => {
    const { key } = await funded(10);
    const res = await chat(key, { model: PRO, stream: true, messages: user(directives) });
    expect(res.status).toBe(200);
    const frames = sseData(await res.text());
    expect(frames).not.toContain("[DONE]");
    const last = JSON.parse(frames.at(-1) as string) as { error: { code: string; request_id: string } };
    expect(last.error).toMatchObject({ code: "PROVIDER_ERROR", request_id: res.headers.get("x-request-id") });
    expect(streamedContent(frames.slice(0, -1))).toBe(text);
    expect((await usageEntries(key)).map((e) => e.usage)).toEqual([usage]);
    expect(await settledAccount(key)).toMatchObject({ credits_micros: START - micros(usage), held_micros: 0 });
  });
});

describe("a client that disconnects mid-stream", () => {
  // plain.chunks.txt's first frame 400 times, 10 ms apart: 37 bytes each, running usage 9 / 13 / 302 thoughts
  const LONG = "[[scenario:plain]] [[repeat:0:400]] [[delay:10]]";

  it("is charged Gemini's reported input and thinking and the output streamed, leaves no hold, and the call is aborted", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt(LONG);
    const res = await chat(key, { model: PRO, stream: true, messages: user(content) });
    await readThenDisconnect(res, /strawberry/, 3);
    const after = await settledAccount(key);
    expect(after.held_micros).toBe(0);
    const [entry] = await usageEntries(key);
    // reported counts win over ceil(input bytes / 4); output is the larger of reported and streamed
    expect(entry?.usage).toMatchObject({ input: 9, reasoning: 302 });
    expect(entry?.usage?.output).toBeGreaterThanOrEqual(Math.ceil((37 * 3) / 4));
    expect(entry?.usage?.output).toBeLessThan((37 * 400) / 4);
    expect(entry?.amount_micros).toBe(-micros(entry?.usage ?? {}));
    expect(after.credits_micros).toBe(START + (entry?.amount_micros ?? 0));
    expect(await upstreamAborted(marker, "google")).toBe(true);
  });

  it("never more output, thinking included, than was held", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt(LONG);
    const res = await chat(key, { model: PRO, stream: true, max_tokens: 400, messages: user(content) });
    // 11 x 37 bytes: 102 tokens by bytes, more than the 400 - 302 = 98 held beside the thinking
    await readThenDisconnect(res, /strawberry/, 11);
    const after = await settledAccount(key);
    expect((await usageEntries(key))[0]?.usage).toEqual({ input: 9, output: 98, reasoning: 302 });
    // 9 x 360 + 400 x 2,160 = 867,240 µcr
    expect(after).toMatchObject({ credits_micros: START - 867_240, held_micros: 0 });
    expect(await upstreamAborted(marker, "google")).toBe(true);
  });
});
