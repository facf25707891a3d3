// The official `openai` SDK, unchanged, pointed at the gateway (its fetch routed to the Worker under
// test), calling a model of each provider with tools. Runs inside workerd.
import OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { funded, prompt, upstreamRequests } from "../helpers/chat.ts";
import { BASE_URL, CLIENT_CASES, type ClientCase, expectCharged, TOOL_OUTPUT, viaGateway } from "../helpers/clients.ts";

const sdk = (apiKey: string) => new OpenAI({ apiKey, baseURL: BASE_URL, fetch: viaGateway, maxRetries: 0 });
const toolsOf = (c: ClientCase): ChatCompletionTool[] => [
  { type: "function", function: { name: c.tool.name, description: "Current weather", parameters: c.tool.parameters } },
];

describe.each(CLIENT_CASES)("the official openai SDK with $model", (c) => {
  it("creates and streams a plain answer at one price", async () => {
    const { key } = await funded(10);
    const client = sdk(key);
    const messages: ChatCompletionMessageParam[] = [{ role: "user", content: `[[scenario:${c.text.scenario}]]` }];
    const completion = await client.chat.completions.create({ model: c.model, messages });
    expect(completion.choices[0]?.message.content).toBe(c.text.content);
    const stream = await client.chat.completions.create({
      model: c.model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(c.text.content);
    expect(usage).toEqual(completion.usage);
    await expectCharged(key, [c.text.micros, c.text.micros]);
  });

  it("create with tools: tool_calls with finish_reason tool_calls, then the turn with role tool answers", async () => {
    const { key } = await funded(10);
    const client = sdk(key);
    const { marker, content } = prompt("[[scenario:tool-call]]");
    const messages: ChatCompletionMessageParam[] = [{ role: "user", content }];
    const first = await client.chat.completions.create({ model: c.model, messages, tools: toolsOf(c) });
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    const [call] = choice?.message.tool_calls ?? [];
    if (call?.type !== "function") throw new Error("expected a function call");
    expect(call.id).not.toBe("");
    expect(call.function.name).toBe(c.tool.name);
    expect(JSON.parse(call.function.arguments)).toEqual(c.tool.args);

    messages.push(choice?.message as ChatCompletionMessageParam, {
      role: "tool",
      tool_call_id: call.id,
      content: TOOL_OUTPUT,
    });
    const second = await client.chat.completions.create({ model: c.model, messages, tools: toolsOf(c) });
    expect(second.choices[0]?.finish_reason).toBe("stop");
    expect(second.choices[0]?.message.content).toBe(c.answer.content);
    expect(await upstreamRequests(marker, c.provider)).toHaveLength(2);
    await expectCharged(key, [c.toolCallMicros, c.answer.micros]);
  });

  it("stream with tools: .finalChatCompletion() assembles the tool calls; the streamed turn with role tool answers", async () => {
    const { key } = await funded(10);
    const client = sdk(key);
    const { content } = prompt("[[scenario:tool-call]]");
    const messages: ChatCompletionMessageParam[] = [{ role: "user", content }];
    const runner = client.chat.completions.stream({ model: c.model, messages, tools: toolsOf(c) });
    const deltas: string[] = [];
    runner.on("tool_calls.function.arguments.delta", (event) => deltas.push(event.arguments_delta));
    const final = await runner.finalChatCompletion();
    const choice = final.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    const [call] = choice?.message.tool_calls ?? [];
    if (call?.type !== "function") throw new Error("expected a function call");
    expect(call.function.name).toBe(c.tool.name);
    expect(JSON.parse(call.function.arguments)).toEqual(c.tool.args);
    expect(deltas.join("")).toBe(call.function.arguments);

    messages.push(choice?.message as ChatCompletionMessageParam, {
      role: "tool",
      tool_call_id: call.id,
      content: TOOL_OUTPUT,
    });
    const answer = client.chat.completions.stream({ model: c.model, messages, tools: toolsOf(c) });
    expect(await answer.finalContent()).toBe(c.answer.content);
    expect((await answer.finalChatCompletion()).choices[0]?.finish_reason).toBe("stop");
    // streamed calls charge what the same plain calls do
    await expectCharged(key, [c.toolCallMicros, c.answer.micros]);
  });
});
