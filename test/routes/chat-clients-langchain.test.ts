// LangChain (`@langchain/openai` ChatOpenAI), unchanged, pointed at the gateway (its fetch routed to
// the Worker under test), calling a model of each provider with bound tools. Runs inside workerd.
import { type AIMessageChunk, type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { describe, expect, it } from "vitest";
import { funded, prompt, upstreamRequests } from "../helpers/chat.ts";
import { BASE_URL, CLIENT_CASES, type ClientCase, expectCharged, TOOL_OUTPUT, viaGateway } from "../helpers/clients.ts";

const chatModel = (c: ClientCase, apiKey: string) =>
  new ChatOpenAI({ model: c.model, apiKey, maxRetries: 0, configuration: { baseURL: BASE_URL, fetch: viaGateway } });

/** The fixture's function, bound in OpenAI's tool format (which bindTools takes as is). */
const withTools = (c: ClientCase, apiKey: string) =>
  chatModel(c, apiKey).bindTools([
    {
      type: "function",
      function: { name: c.tool.name, description: "Current weather", parameters: c.tool.parameters },
    },
  ]);

async function streamed(
  model: { stream(messages: BaseMessage[]): Promise<AsyncIterable<AIMessageChunk>> },
  messages: BaseMessage[],
) {
  let full: AIMessageChunk | undefined;
  for await (const chunk of await model.stream(messages)) full = full ? full.concat(chunk) : chunk;
  if (!full) throw new Error("an empty stream");
  return full;
}

describe.each(CLIENT_CASES)("LangChain ChatOpenAI with $model", (c) => {
  it("invoke and stream answer with their usage, at one price", async () => {
    const { key } = await funded(10);
    const model = chatModel(c, key);
    const messages = [new HumanMessage(`[[scenario:${c.text.scenario}]]`)];
    const answer = await model.invoke(messages);
    expect(answer.content).toBe(c.text.content);
    expect(answer.usage_metadata?.input_tokens).toBeGreaterThan(0);
    const chunks = await streamed(model, messages);
    expect(chunks.content).toBe(c.text.content);
    expect(chunks.usage_metadata).toMatchObject({
      input_tokens: answer.usage_metadata?.input_tokens,
      output_tokens: answer.usage_metadata?.output_tokens,
    });
    await expectCharged(key, [c.text.micros, c.text.micros]);
  });

  it("bindTools: the answer carries the tool call; the ToolMessage turn answers", async () => {
    const { key } = await funded(10);
    const model = withTools(c, key);
    const { marker, content } = prompt("[[scenario:tool-call]]");
    const messages: BaseMessage[] = [new HumanMessage(content)];
    const call = await model.invoke(messages);
    expect(call.response_metadata.finish_reason).toBe("tool_calls");
    expect(call.tool_calls).toMatchObject([{ name: c.tool.name, args: c.tool.args, type: "tool_call" }]);
    const id = call.tool_calls?.[0]?.id;
    expect(id).toBeTruthy();

    messages.push(call, new ToolMessage({ tool_call_id: id as string, content: TOOL_OUTPUT }));
    const answer = await model.invoke(messages);
    expect(answer.content).toBe(c.answer.content);
    expect(answer.tool_calls).toEqual([]);
    expect((await upstreamRequests(marker, c.provider)).map((r) => r.case)).toEqual(["tool-call", "tool-result"]);
    await expectCharged(key, [c.toolCallMicros, c.answer.micros]);
  });

  it("streamed: the chunks add up to the tool call, and the streamed ToolMessage turn answers, at the same price", async () => {
    const { key } = await funded(10);
    const model = withTools(c, key);
    const messages: BaseMessage[] = [new HumanMessage(prompt("[[scenario:tool-call]]").content)];
    const call = await streamed(model, messages);
    expect(call.tool_calls).toMatchObject([{ name: c.tool.name, args: c.tool.args }]);
    const id = call.tool_calls?.[0]?.id;
    expect(id).toBeTruthy();

    messages.push(call, new ToolMessage({ tool_call_id: id as string, content: TOOL_OUTPUT }));
    expect((await streamed(model, messages)).content).toBe(c.answer.content);
    await expectCharged(key, [c.toolCallMicros, c.answer.micros]);
  });
});
