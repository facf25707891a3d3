import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../../src/capabilities/chat/schemas.ts";
import { ApiError } from "../../src/lib/errors.ts";
import { SKIP_SIGNATURE } from "../../src/providers/google/tool-call-ids.ts";
import { readFixtureJson } from "../helpers/fixtures.ts";
import { build, chat, model, refusal } from "./google-helpers.ts";

describe("Gemini chat adapter: tools", () => {
  const weather = {
    type: "function" as const,
    function: {
      name: "get_weather",
      description: "Current weather",
      parameters: {
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        properties: { city: { type: "string", description: "City name", minLength: 1, maxLength: 80 } },
        required: ["city"],
        additionalProperties: false,
      },
    },
  };

  it("sends one functionDeclarations tool, with $schema and additionalProperties stripped", () => {
    const { body } = build({
      tools: [weather, { type: "function", function: { name: "now", parameters: { type: "object", properties: {} } } }],
    });
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "get_weather",
            description: "Current weather",
            parameters: {
              type: "object",
              properties: { city: { type: "string", description: "City name", minLength: 1 } },
              required: ["city"],
            },
          },
          { name: "now" },
        ],
      },
    ]);
    expect(body.toolConfig).toBeUndefined();
  });

  it("refuses a parameter schema Gemini cannot express, naming the tool's parameters", () => {
    const tool = (parameters: Record<string, unknown>) => ({
      type: "function" as const,
      function: { name: "f", parameters },
    });
    for (const parameters of [
      { type: "object", properties: { a: { $ref: "https://example.com/a.json" } } },
      { type: "object", properties: { a: { not: { type: "string" } } } },
      { type: "object", properties: { a: { allOf: [{ type: "string" }, { minLength: 2 }] } } },
      { type: "array", items: { type: "string" } },
    ]) {
      expect(refusal({ tools: [weather, tool(parameters)] }), JSON.stringify(parameters)).toEqual({
        code: "INVALID_REQUEST",
        param: "tools[1].function.parameters",
      });
    }
  });

  it("maps tool_choice auto, none and required to AUTO, NONE and ANY, and a named function to ANY limited to it", () => {
    const mode = (choice: ChatRequest["tool_choice"]) =>
      build({ tools: [weather], tool_choice: choice }).body.toolConfig;
    expect(mode("auto")).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(mode("none")).toEqual({ functionCallingConfig: { mode: "NONE" } });
    expect(mode("required")).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(mode({ type: "function", function: { name: "get_weather" } })).toEqual({
      functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] },
    });
    expect(refusal({ tools: [weather], tool_choice: { type: "function", function: { name: "nope" } } }).param).toBe(
      "tool_choice.function.name",
    );
    expect(refusal({ tool_choice: "required" }).param).toBe("tool_choice");
    expect(build({ tool_choice: "none" }).body.tools).toBeUndefined();
  });
});

describe("Gemini chat adapter: tool calls and results in history", () => {
  const call = (id: string, name = "get_weather", args = '{"city":"Paris"}') => ({
    id,
    type: "function" as const,
    function: { name, arguments: args },
  });

  it("sends assistant tool_calls as functionCall parts, with no empty text part for '' or null content", () => {
    for (const content of ["", null]) {
      const { body } = build(
        {
          messages: [
            { role: "user", content: "Weather?" },
            { role: "assistant", content, tool_calls: [call("call_a"), call("call_b", "now", "")] },
            { role: "tool", tool_call_id: "call_a", content: '{"temp":"22C"}' },
            { role: "tool", tool_call_id: "call_b", content: "12:00" },
          ],
        },
        model("gemini-2.5-flash"),
      );
      expect(body.contents).toEqual([
        { role: "user", parts: [{ text: "Weather?" }] },
        {
          role: "model",
          parts: [
            { functionCall: { name: "get_weather", args: { city: "Paris" } } },
            { functionCall: { name: "now", args: {} } },
          ],
        },
        {
          role: "user",
          parts: [
            { functionResponse: { name: "get_weather", response: { temp: "22C" } } },
            { functionResponse: { name: "now", response: { content: "12:00" } } },
          ],
        },
      ]);
    }
  });

  it("refuses arguments that are not a JSON object, and a tool result that answers no earlier call", () => {
    for (const args of ["{not json", "[1,2]"]) {
      expect(
        refusal({
          messages: [
            { role: "user", content: "x" },
            { role: "assistant", tool_calls: [call("c1", "f", args)] },
          ],
        }),
      ).toEqual({ code: "INVALID_REQUEST", param: "messages[1].tool_calls[0].function.arguments" });
    }
    expect(
      refusal({
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", tool_calls: [call("c1")] },
          { role: "tool", tool_call_id: "c2", content: "ok" },
        ],
      }),
    ).toEqual({ code: "INVALID_REQUEST", param: "messages[2].tool_call_id" });
    expect(refusal({ messages: [{ role: "tool", content: "ok" }] })).toEqual({
      code: "INVALID_REQUEST",
      param: "messages[0].tool_call_id",
    });
  });

  it("round-trips a thoughtSignature through the tool call id the gateway handed out", () => {
    const answer = chat.parseResponse(readFixtureJson("google", "tool-call"));
    if (answer instanceof ApiError) throw answer;
    const message = answer.body.choices[0]?.message as unknown as { tool_calls: ReturnType<typeof call>[] };
    const handedOut = message.tool_calls[0] as ReturnType<typeof call>;
    expect(handedOut.id).toMatch(/^call_[0-9a-f]{16}_ts_[A-Za-z0-9_-]+$/);

    const { body } = build({
      messages: [
        { role: "user", content: "Weather in SF?" },
        { role: "assistant", content: null, tool_calls: [handedOut] },
        { role: "tool", tool_call_id: handedOut.id, content: "72F, sunny" },
      ],
    });
    const recorded = readFixtureJson<{ candidates: { content: { parts: { thoughtSignature: string }[] } }[] }>(
      "google",
      "tool-call",
    );
    const sent = body.contents[1]?.parts[0];
    expect(sent?.thoughtSignature).toBe(recorded.candidates[0]?.content.parts[0]?.thoughtSignature);
    expect(sent?.functionCall).toEqual({ name: "weather", args: { location: "San Francisco" } });
    expect(body.contents[2]?.parts[0]).toEqual({
      functionResponse: { name: "weather", response: { content: "72F, sunny" } },
    });
  });

  it("gives a Gemini 3 call without a signature Google's documented stand-in, on the first call of the turn only", () => {
    const history: Partial<ChatRequest> = {
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: "Checking.", tool_calls: [call("call_client_1"), call("call_client_2")] },
        { role: "tool", tool_call_id: "call_client_1", content: "sun" },
        { role: "tool", tool_call_id: "call_client_2", content: "rain" },
      ],
    };
    const parts = build(history).body.contents[1]?.parts;
    expect(parts?.[0]).toEqual({ text: "Checking." });
    expect(parts?.[1]?.thoughtSignature).toBe(SKIP_SIGNATURE);
    expect(parts?.[2]?.thoughtSignature).toBeUndefined();
    // Gemini 2.5 does not validate signatures: nothing is made up for it.
    const older = build(history, model("gemini-2.5-flash")).body.contents[1]?.parts;
    expect(older?.some((part) => part.thoughtSignature !== undefined)).toBe(false);
  });
});
