import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../../src/capabilities/chat/schemas.ts";
import { CATALOG } from "../../src/metering/catalog.ts";
import { geminiModelFacts } from "../../src/providers/google/gemini-models.ts";
import { build, flash, KEY, model, refusal } from "./google-helpers.ts";

describe("Gemini chat adapter: the request", () => {
  it("posts to generateContent with the key in x-goog-api-key, and to the SSE stream when streaming", () => {
    const { built } = build({});
    expect(built.url).toBe("https://generativelanguage.googleapis.test/v1beta/models/gemini-3.8-flash:generateContent");
    expect(built.init.method).toBe("POST");
    expect(built.init.headers["x-goog-api-key"]).toBe(KEY);
    expect(built.url).not.toContain(KEY);
    expect(build({ stream: true }).built.url).toBe(
      "https://generativelanguage.googleapis.test/v1beta/models/gemini-3.8-flash:streamGenerateContent?alt=sse",
    );
  });

  it("sends the held output as maxOutputTokens, never the client's own limit", () => {
    const { body } = build({ max_tokens: 100_000, max_completion_tokens: 9_000 }, flash, 777);
    expect(body.generationConfig.maxOutputTokens).toBe(777);
    expect(JSON.stringify(body)).not.toMatch(/max_tokens|max_completion_tokens|9000|100000/);
  });

  it("moves system and developer messages to systemInstruction, maps roles and merges consecutive turns", () => {
    const { body } = build({
      messages: [
        { role: "system", content: "Be terse." },
        { role: "user", content: "One" },
        { role: "user", content: [{ type: "text", text: "Two" }] },
        { role: "developer", content: "Answer in English." },
        { role: "assistant", content: "Three" },
        { role: "user", content: "Four" },
      ],
    });
    expect(body.systemInstruction).toEqual({ parts: [{ text: "Be terse." }, { text: "Answer in English." }] });
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "One" }, { text: "Two" }] },
      { role: "model", parts: [{ text: "Three" }] },
      { role: "user", parts: [{ text: "Four" }] },
    ]);
  });

  it("translates temperature, top_p, stop and seed, and sends no penalty that is 0", () => {
    const { body } = build({ temperature: 0.2, top_p: 0.9, stop: "###", seed: 7, presence_penalty: 0 });
    expect(body.generationConfig).toEqual({
      maxOutputTokens: 512,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ["###"],
      seed: 7,
    });
    expect(build({ stop: ["a", "b"] }).body.generationConfig.stopSequences).toEqual(["a", "b"]);
  });

  it("drops user and safety_identifier (no Gemini field; the price is unchanged)", () => {
    const { body } = build({ user: "end-user-1", safety_identifier: "hash-1" });
    expect(JSON.stringify(body)).not.toMatch(/end-user-1|hash-1/);
  });

  it("penalties go only to Gemini 2.0 Flash; other models refuse them by name", () => {
    const old = model("gemini-2.0-flash");
    expect(build({ presence_penalty: 0.5, frequency_penalty: -0.5 }, old).body.generationConfig).toMatchObject({
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
    });
    expect(refusal({ presence_penalty: 0.5 })).toEqual({ code: "INVALID_REQUEST", param: "presence_penalty" });
    expect(refusal({ frequency_penalty: 1 }, model("gemini-2.5-flash"))).toEqual({
      code: "INVALID_REQUEST",
      param: "frequency_penalty",
    });
  });

  it("refuses every field it cannot translate, naming it", () => {
    expect(refusal({ logprobs: true }).param).toBe("logprobs");
    expect(refusal({ top_logprobs: 3 }).param).toBe("top_logprobs");
    expect(refusal({ logit_bias: { "50256": -100 } }).param).toBe("logit_bias");
    expect(refusal({ prompt_cache_key: "k" }).param).toBe("prompt_cache_key");
    expect(refusal({ parallel_tool_calls: false }).param).toBe("parallel_tool_calls");
    expect(refusal({ response_format: { type: "xml" } }).param).toBe("response_format");
    // Values that change nothing pass.
    expect(() => build({ logprobs: false, top_logprobs: 0, logit_bias: {}, parallel_tool_calls: true })).not.toThrow();
  });

  it("response_format: json_object asks for JSON; json_schema sends the translated schema", () => {
    expect(build({ response_format: { type: "json_object" } }).body.generationConfig.responseMimeType).toBe(
      "application/json",
    );
    const { body } = build({
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "answer",
          strict: true,
          schema: {
            $schema: "http://json-schema.org/draft-07/schema#",
            type: "object",
            properties: { answer: { type: "string" }, score: { type: ["number", "null"] } },
            required: ["answer", "score"],
            additionalProperties: false,
          },
        },
      },
    });
    expect(body.generationConfig).toMatchObject({
      responseMimeType: "application/json",
      responseSchema: {
        type: "object",
        properties: { answer: { type: "string" }, score: { type: "number", nullable: true } },
        required: ["answer", "score"],
      },
    });
    expect(refusal({ response_format: { type: "json_schema", json_schema: { name: "x" } } }).param).toBe(
      "response_format",
    );
    const recursive = { $defs: { node: { type: "object", properties: { next: { $ref: "#/$defs/node" } } } } };
    expect(
      refusal({
        response_format: {
          type: "json_schema",
          json_schema: { name: "x", schema: { ...recursive, $ref: "#/$defs/node" } },
        },
      }).param,
    ).toBe("response_format");
  });
});

describe("Gemini chat adapter: reasoning_effort", () => {
  const thinking = (effort: ChatRequest["reasoning_effort"], id: string) =>
    build({ reasoning_effort: effort }, model(id)).body.generationConfig.thinkingConfig;

  it("becomes thinkingLevel where the model has that level, and is refused by name elsewhere", () => {
    expect(thinking("low", "gemini-3.8-flash")).toEqual({ thinkingLevel: "LOW" });
    expect(thinking("high", "gemini-3.1-pro-preview")).toEqual({ thinkingLevel: "HIGH" });
    expect(thinking("minimal", "gemini-3.5-flash")).toEqual({ thinkingLevel: "MINIMAL" });
    expect(thinking("none", "gemini-3.1-flash-lite")).toEqual({ thinkingLevel: "MINIMAL" });
    for (const [effort, id] of [
      ["minimal", "gemini-3.8-flash"],
      ["minimal", "gemini-3.7-flash"],
      ["none", "gemini-3.1-pro-preview"],
      ["xhigh", "gemini-3.8-flash"],
      ["max", "gemini-3.5-flash"],
    ] as const) {
      expect(refusal({ reasoning_effort: effort }, model(id)), `${effort} on ${id}`).toEqual({
        code: "INVALID_REQUEST",
        param: "reasoning_effort",
      });
    }
  });

  it("becomes Google's documented thinking budgets on Gemini 2.5; 2.0 thinks not at all", () => {
    expect(thinking("none", "gemini-2.5-flash")).toEqual({ thinkingBudget: 0 });
    expect(thinking("medium", "gemini-2.5-pro")).toEqual({ thinkingBudget: 8192 });
    expect(refusal({ reasoning_effort: "none" }, model("gemini-2.5-pro")).param).toBe("reasoning_effort");
    expect(thinking("none", "gemini-2.0-flash")).toBeUndefined();
    expect(refusal({ reasoning_effort: "low" }, model("gemini-2.0-flash")).param).toBe("reasoning_effort");
  });

  it("sends no thinking setting unless asked: maxOutputTokens alone bounds thoughts and answer", () => {
    for (const entry of CATALOG.filter((e) => e.provider === "google")) {
      const { body } = build({}, entry, 300);
      expect(body.generationConfig, entry.id).toEqual({ maxOutputTokens: 300 });
      expect(() => geminiModelFacts(entry.id)).not.toThrow();
    }
  });
});
