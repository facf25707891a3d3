// The Vercel AI SDK (`ai` with `@ai-sdk/openai-compatible`), unchanged, pointed at the gateway (its
// fetch routed to the Worker under test), calling a model of each provider. Runs inside workerd.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, type JSONSchema7, jsonSchema, stepCountIs, streamText, type ToolSet, tool } from "ai";
import { describe, expect, it } from "vitest";
import { funded, prompt, upstreamRequests } from "../helpers/chat.ts";
import { BASE_URL, CLIENT_CASES, type ClientCase, expectCharged, TOOL_OUTPUT, viaGateway } from "../helpers/clients.ts";

const gateway = (apiKey: string) =>
  createOpenAICompatible({ name: "gateway", baseURL: BASE_URL, apiKey, fetch: viaGateway, includeUsage: true });

/** The fixture's tool, recording the input of each call. */
function weatherTool(c: ClientCase, calls: unknown[]): ToolSet {
  return {
    [c.tool.name]: tool({
      description: "Current weather",
      inputSchema: jsonSchema<Record<string, unknown>>(c.tool.parameters as JSONSchema7),
      execute: async (input) => {
        calls.push(input);
        return TOOL_OUTPUT;
      },
    }),
  };
}

/**
 * A two-turn tool loop: the system prompt asks the fake for the `tool-call` fixture, and the tool's
 * output, sent later in the second request, for the `tool-result` one (the last directive wins).
 */
const loop = (c: ClientCase, key: string, calls: unknown[], content: string) => ({
  model: gateway(key)(c.model),
  system: "You check the weather. [[scenario:tool-call]]",
  prompt: content,
  tools: weatherTool(c, calls),
  stopWhen: stepCountIs(4),
  maxRetries: 0,
});

describe.each(CLIENT_CASES)("the Vercel AI SDK with $model", (c) => {
  it("generateText and streamText answer, and charge the same", async () => {
    const { key } = await funded(10);
    const model = gateway(key)(c.model);
    const generated = await generateText({ model, prompt: `[[scenario:${c.text.scenario}]]`, maxRetries: 0 });
    expect(generated.text).toBe(c.text.content);
    expect(generated.finishReason).toBe("stop");
    const streamed = streamText({ model, prompt: `[[scenario:${c.text.scenario}]]`, maxRetries: 0 });
    let text = "";
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe(c.text.content);
    expect(await streamed.finishReason).toBe("stop");
    const usage = await streamed.usage;
    expect([usage.inputTokens, usage.outputTokens]).toEqual([
      generated.usage.inputTokens,
      generated.usage.outputTokens,
    ]);
    expect(usage.inputTokens).toBeGreaterThan(0);
    await expectCharged(key, [c.text.micros, c.text.micros]);
  });

  it("a tool loop with stopWhen: generateText calls the tool, then answers from its result", async () => {
    const { key } = await funded(10);
    const calls: unknown[] = [];
    const { marker, content } = prompt();
    const result = await generateText(loop(c, key, calls, content));
    expect(calls).toEqual([c.tool.args]);
    expect(result.steps.map((step) => step.finishReason)).toEqual(["tool-calls", "stop"]);
    expect(result.steps[0]?.toolCalls).toMatchObject([{ toolName: c.tool.name, input: c.tool.args }]);
    expect(result.text).toBe(c.answer.content);
    expect((await upstreamRequests(marker, c.provider)).map((r) => r.case)).toEqual(["tool-call", "tool-result"]);
    await expectCharged(key, [c.toolCallMicros, c.answer.micros]);
  });

  it("the same loop streamed with streamText, at the same price", async () => {
    const { key } = await funded(10);
    const calls: unknown[] = [];
    const { marker, content } = prompt();
    const result = streamText(loop(c, key, calls, content));
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);
    expect(parts).toContain("tool-call");
    expect(parts).toContain("tool-result");
    expect(calls).toEqual([c.tool.args]);
    expect((await result.steps).map((step) => step.finishReason)).toEqual(["tool-calls", "stop"]);
    expect(await result.text).toBe(c.answer.content);
    expect((await upstreamRequests(marker, c.provider)).map((r) => r.case)).toEqual(["tool-call", "tool-result"]);
    await expectCharged(key, [c.toolCallMicros, c.answer.micros]);
  });
});
