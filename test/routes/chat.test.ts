import { describe, expect, it } from "vitest";
import { account, chat, funded, MODEL, prompt, sseData, upstreamRequests, usageEntries } from "../helpers/chat.ts";
import { bearer, expectError, gw, gwWith, json } from "../helpers/gateway.ts";
import { securitySuite } from "../helpers/security.ts";

/** gpt-4o-mini list prices $0.15 in / $0.60 out per 1M tokens, x1.8 margin, $0.01 per credit. */
const TEXT_FIXTURE_MICROS = 1404; // 16 in, 9 out: (16 x 0.15 + 9 x 0.60) / 1e6 USD x 180 = 0.001404 credits

describe("POST /v1/chat (the original call)", () => {
  it("takes the model as /v1/models lists it too, beside its provider", async () => {
    const { key } = await funded(10);
    const body = { provider: "openai", model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Say hi" }] };
    const res = await gw("/v1/chat", json(body, bearer(key)));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("x-credits-charged")).toBe("0.001404");
  });

  it("answers and charges exactly the catalog price of the reported usage", async () => {
    const { key } = await funded(10);
    const before = await account(key);
    const res = await gw(
      "/v1/chat",
      json({ provider: "openai", model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hi" }] }, bearer(key)),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; choices: { message: { content: string } }[]; usage: object };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message.content).toBe("Hi! How can I help you today?");
    expect(body.usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 9 });
    expect(res.headers.get("x-credits-charged")).toBe("0.001404");
    expect(res.headers.get("x-credits-remaining")).toBe("9.998596");
    const after = await account(key);
    expect(before.credits_micros - after.credits_micros).toBe(TEXT_FIXTURE_MICROS);
    expect(after.held_micros).toBe(0);
    const [entry] = await usageEntries(key);
    expect(entry).toMatchObject({
      amount_micros: -TEXT_FIXTURE_MICROS,
      request_id: res.headers.get("x-request-id"),
      usage: { input: 16, output: 9 },
    });
  });
});

describe("POST /v1/chat/completions", () => {
  it("forwards the OpenAI fields, the bare model id and the gateway's own key", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const res = await chat(key, {
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Be terse." },
        { role: "user", content: "Hello" },
        { role: "assistant", content: "Hi." },
        { role: "user", content },
      ],
      temperature: 0.2,
      top_p: 0.9,
      stop: ["\n\n"],
      max_tokens: 50,
      user: "end-user-7",
      service_tier: "priority",
    });
    expect(res.status).toBe(200);
    const [upstream] = await upstreamRequests(marker);
    expect(upstream?.body).toMatchObject({
      model: "gpt-4o-mini",
      temperature: 0.2,
      top_p: 0.9,
      stop: ["\n\n"],
      // the output limit the hold covers, in the one field OpenAI takes
      max_completion_tokens: 50,
      user: "end-user-7",
    });
    expect(upstream?.body).not.toHaveProperty("max_tokens");
    expect(upstream?.body.messages).toHaveLength(4);
    // a field that would change the price is not forwarded
    expect(upstream?.body).not.toHaveProperty("service_tier");
    expect(upstream?.headers.authorization).toBe("Bearer sk-fake-gateway-key");
  });

  it("sends the held output limit upstream when the client sets none", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const res = await chat(key, { messages: [{ role: "user", content }] });
    expect(res.status).toBe(200);
    const [upstream] = await upstreamRequests(marker);
    expect(upstream?.body.max_tokens ?? null).toBeNull();
    expect(upstream?.body.max_completion_tokens).toBe(4096);
  });

  it("lowers that limit to what a small balance affords", async () => {
    const { key } = await funded(0.05); // 50,000 µcr: about 460 output tokens of gpt-4o-mini
    const { marker, content } = prompt();
    const res = await chat(key, { messages: [{ role: "user", content }] });
    expect(res.status).toBe(200);
    const sent = (await upstreamRequests(marker))[0]?.body.max_completion_tokens as number;
    expect(sent).toBeGreaterThanOrEqual(16);
    expect(sent).toBeLessThan(4096);
  });

  it("passes tools and tool_choice through and returns the tool call", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt("[[scenario:tool-call]]");
    const tools = [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Current weather",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
    ];
    const res = await chat(key, { messages: [{ role: "user", content }], tools, tool_choice: "auto" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      choices: { message: { tool_calls: { function: { name: string } }[] }; finish_reason: string }[];
    };
    expect(body.choices[0]?.finish_reason).toBe("tool_calls");
    expect(body.choices[0]?.message.tool_calls[0]?.function.name).toBe("get_weather");
    expect((await upstreamRequests(marker))[0]?.body).toMatchObject({ tools, tool_choice: "auto" });
    expect(res.headers.get("x-credits-charged")).toBe("0.002916"); // 44 in, 16 out
  });

  it("bills cached input and reasoning tokens at their own prices", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:reasoning]]");
    const res = await chat(key, { model: "openai/gpt-5-mini", messages: [{ role: "user", content }] });
    expect(res.status).toBe(200);
    // gpt-5-mini: 12 input x $0.25 + 8 cached x $0.025 + (22 output + 128 reasoning) x $2.00, per 1M, x 180
    expect(res.headers.get("x-credits-charged")).toBe("0.054576");
    const [entry] = await usageEntries(key);
    expect(entry?.usage).toEqual({ input: 12, cached_input: 8, output: 22, reasoning: 128 });
  });

  it("streams chunk by chunk, settles before [DONE], and strips the usage chunk it added", async () => {
    const { key } = await funded(10);
    const { marker, content } = prompt();
    const res = await chat(key, { stream: true, messages: [{ role: "user", content }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("x-credits-remaining")).toBeTruthy();
    const frames = sseData(await res.text());
    expect(frames.at(-1)).toBe("[DONE]");
    const chunks = frames
      .slice(0, -1)
      .map((f) => JSON.parse(f) as { choices: { delta: { content?: string } }[]; usage?: unknown });
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Hi! How can I help you today?");
    expect((await upstreamRequests(marker))[0]?.body.stream_options).toEqual({ include_usage: true });
    // settled before [DONE]: the balance is final as soon as the stream ends
    expect(await account(key)).toMatchObject({ credits_micros: 10_000_000 - TEXT_FIXTURE_MICROS, held_micros: 0 });
  });

  it("passes the usage chunk through when the client asks, and charges the same as a plain call", async () => {
    const { key } = await funded(10);
    const res = await chat(key, {
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Say hi" }],
    });
    const frames = sseData(await res.text());
    const usageChunk = JSON.parse(frames.at(-2) as string) as { choices: unknown[]; usage: { prompt_tokens: number } };
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage.prompt_tokens).toBe(16);
    expect((await account(key)).credits_micros).toBe(10_000_000 - TEXT_FIXTURE_MICROS);
  });

  it("streams tool-call deltas", async () => {
    const { key } = await funded(10);
    const { content } = prompt("[[scenario:tool-call]]");
    const res = await chat(key, {
      stream: true,
      messages: [{ role: "user", content }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
    });
    const frames = sseData(await res.text()).slice(0, -1);
    const args = frames
      .map((f) => JSON.parse(f) as { choices: { delta: { tool_calls?: { function?: { arguments?: string } }[] } }[] })
      .map((c) => c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? "")
      .join("");
    expect(JSON.parse(args)).toHaveProperty("city");
    expect((await account(key)).credits_micros).toBe(10_000_000 - 2916);
  });
});

describe("chat errors", () => {
  it("404 MODEL_NOT_FOUND pointing to /v1/models", async () => {
    const { key } = await funded(1);
    const error = await expectError(
      await chat(key, { model: "openai/gpt-nope", messages: [{ role: "user", content: "x" }] }),
      404,
      "MODEL_NOT_FOUND",
    );
    expect(error.message).toContain("/v1/models");
    expect(error.param).toBe("model");
  });

  it("410 MODEL_RETIRED naming the replacement", async () => {
    const { key } = await funded(1);
    const error = await expectError(
      await chat(key, { model: "openai/gpt-4.1-nano", messages: [{ role: "user", content: "x" }] }),
      410,
      "MODEL_RETIRED",
    );
    expect(error.message).toMatch(/Use 'openai\//);
  });

  it("404 for a model of another kind", async () => {
    const { key } = await funded(1);
    await expectError(
      await chat(key, { model: "openai/tts-1", messages: [{ role: "user", content: "x" }] }),
      404,
      "MODEL_NOT_FOUND",
    );
  });

  it("503 PROVIDER_NOT_CONFIGURED for a provider whose key the operator left blank, naming it", async () => {
    const { key } = await funded(1);
    const res = await gwWith(
      { ANTHROPIC_API_KEY: "" },
      "/v1/chat/completions",
      json({ model: "anthropic/claude-haiku-4-5", messages: [{ role: "user", content: "x" }] }, bearer(key)),
    );
    const error = await expectError(res, 503, "PROVIDER_NOT_CONFIGURED");
    expect(error.message).toContain("Anthropic");
    expect(res.headers.get("x-should-retry")).toBe("false");
  });

  it("503 PROVIDER_NOT_CONFIGURED when OPENAI_API_KEY is unset, before anything is held", async () => {
    const { key } = await funded(1);
    const res = await gwWith(
      { OPENAI_API_KEY: undefined },
      "/v1/chat/completions",
      json({ model: MODEL, messages: [{ role: "user", content: "x" }] }, bearer(key)),
    );
    await expectError(res, 503, "PROVIDER_NOT_CONFIGURED");
    expect(await account(key)).toMatchObject({ credits_micros: 1_000_000, held_micros: 0 });
  });

  it("402 INSUFFICIENT_CREDITS saying the balance and the amount needed, with no upstream call", async () => {
    const { key } = await funded(0.01);
    const { marker, content } = prompt();
    const error = await expectError(
      await chat(key, { max_tokens: 100_000, messages: [{ role: "user", content }] }),
      402,
      "INSUFFICIENT_CREDITS",
    );
    expect(error.message).toMatch(/needs up to [\d.]+ credits held; your balance is 0\.01 credits/);
    expect(await upstreamRequests(marker)).toEqual([]);
    expect(await account(key)).toMatchObject({ credits_micros: 10_000, held_micros: 0 });
  });

  it("400 for image parts, naming the part", async () => {
    const { key } = await funded(1);
    const error = await expectError(
      await chat(key, {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "what is this" },
              { type: "image_url", image_url: { url: "https://x/y.png" } },
            ],
          },
        ],
      }),
      400,
      "INVALID_REQUEST",
    );
    expect(error.param).toBe("messages[0].content[1].type");
  });

  it("400 naming the field for a bad request", async () => {
    const { key } = await funded(1);
    expect((await expectError(await chat(key, { messages: [] }), 400, "INVALID_REQUEST")).param).toBe("messages");
    expect(
      (
        await expectError(
          await chat(key, { messages: [{ role: "user", content: "x" }], temperature: 3 }),
          400,
          "INVALID_REQUEST",
        )
      ).param,
    ).toBe("temperature");
    expect(
      (await expectError(await chat(key, { messages: [{ role: "user", content: "x" }], n: 2 }), 400, "INVALID_REQUEST"))
        .param,
    ).toBe("n");
  });
});

securitySuite("chat", "customer", [
  { method: "POST", path: "/v1/chat/completions", body: { model: MODEL, messages: [{ role: "user", content: "x" }] } },
  {
    method: "POST",
    path: "/v1/chat",
    body: { provider: "openai", model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] },
  },
]);

describe("request ids chosen by the client", () => {
  it("two calls sent with the same x-request-id are both charged", async () => {
    const { key } = await funded(10);
    const body = { model: MODEL, messages: [{ role: "user", content: "Say hi" }] };
    const headers = { ...bearer(key), "x-request-id": "client-chosen-id" };
    const answers = await Promise.all([
      gw("/v1/chat/completions", json(body, headers)),
      gw("/v1/chat/completions", json(body, headers)),
    ]);
    for (const res of answers) expect(res.headers.get("x-credits-charged")).toBe("0.001404");
    expect((await account(key)).credits_micros).toBe(10_000_000 - 2 * TEXT_FIXTURE_MICROS);
    expect((await usageEntries(key)).map((e) => e.request_id)).toEqual(["client-chosen-id", "client-chosen-id"]);
  });
});
