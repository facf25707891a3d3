// The SDK client tests (test/routes/chat-clients-*.test.ts): each client library, unchanged, talks to
// the Worker under test through its own `fetch` option, for one model of each provider. The fake
// upstreams answer from each provider's recorded fixtures; these are the facts the tests expect.
import { expect } from "vitest";
import { account, usageEntries } from "./chat.ts";
import { BASE, gw } from "./gateway.ts";

/** The gateway's OpenAI-compatible base URL, as a client is configured with it. */
export const BASE_URL = `${BASE}/v1`;

/** A client's fetch, routed to the Worker under test (the clients here call it with a URL and an init). */
export const viaGateway: typeof fetch = (input, init) => {
  if (input instanceof Request) throw new Error("viaGateway takes a URL and an init, not a Request");
  const url = new URL(String(input));
  return gw(`${url.pathname}${url.search}`, init);
};

export interface ClientCase {
  provider: "openai" | "anthropic" | "google";
  model: string;
  /** A case whose plain answer and stream carry the same text and the same usage. */
  text: { scenario: string; content: string; micros: number };
  /** The function the `tool-call` fixture calls, and its arguments. */
  tool: { name: string; parameters: Record<string, unknown>; args: Record<string, unknown> };
  toolCallMicros: number;
  /** The `tool-result` fixture: the answer after the tool's result. */
  answer: { content: string; micros: number };
}

const object = (properties: Record<string, unknown>, required: string[]) => ({
  type: "object",
  properties,
  required,
});

/**
 * Charges are the catalog's USD per 1M tokens x 1.8 margin / $0.01 per credit = price x 180 µcr per token:
 * - gpt-4o-mini ($0.15 / $0.60): 27 and 108. text 16 + 9; tool-call 44 + 16; tool-result 78 + 15.
 * - claude-haiku-4-5 ($1 / $5): 180 and 900. plain 21 + 6; tool-call 849 + 47; tool-result 921 + 17.
 * - gemini-3.1-pro-preview ($2 / $12, thinking at the output price): 360 and 2,160. plain 9 + (23 + 302
 *   thoughts); tool-call 29 + (15 + 45); tool-result 61 + (13 + 47).
 */
export const CLIENT_CASES: ClientCase[] = [
  {
    provider: "openai",
    model: "openai/gpt-4o-mini",
    text: { scenario: "text", content: "Hi! How can I help you today?", micros: 16 * 27 + 9 * 108 },
    tool: {
      name: "get_weather",
      parameters: object({ city: { type: "string" } }, ["city"]),
      args: { city: "New York City" },
    },
    toolCallMicros: 44 * 27 + 16 * 108,
    answer: { content: "It's 64°F and cloudy in New York City right now.", micros: 78 * 27 + 15 * 108 },
  },
  {
    provider: "anthropic",
    model: "anthropic/claude-haiku-4-5",
    text: { scenario: "plain", content: "OK", micros: 21 * 180 + 6 * 900 },
    tool: {
      name: "get_weather",
      parameters: object({ city: { type: "string" }, unit: { type: "string" } }, ["city", "unit"]),
      args: { city: "San Francisco", unit: "fahrenheit" },
    },
    toolCallMicros: 849 * 180 + 47 * 900,
    answer: { content: "It's 58°F and sunny in San Francisco right now.", micros: 921 * 180 + 17 * 900 },
  },
  {
    provider: "google",
    model: "google/gemini-3.1-pro-preview",
    text: {
      scenario: "plain",
      content: 'There are **3** "r"s in strawberry.\n\nSt**r**awbe**rr**y',
      micros: 9 * 360 + (23 + 302) * 2160,
    },
    tool: {
      name: "weather",
      parameters: object({ location: { type: "string" } }, ["location"]),
      args: { location: "San Francisco" },
    },
    toolCallMicros: 29 * 360 + (15 + 45) * 2160,
    answer: { content: "It is 72°F and sunny in San Francisco right now.", micros: 61 * 360 + (13 + 47) * 2160 },
  },
];

/** The tool's output: the fake answers the turn that carries it from the `tool-result` fixture. */
export const TOOL_OUTPUT = "Sunny, mild. [[scenario:tool-result]]";

/** A funded account (10 credits) was charged exactly these calls, in order, and holds nothing. */
export async function expectCharged(key: string, micros: number[]) {
  expect((await usageEntries(key)).map((e) => -e.amount_micros).reverse()).toEqual(micros);
  expect(await account(key)).toMatchObject({
    credits_micros: 10_000_000 - micros.reduce((sum, n) => sum + n, 0),
    held_micros: 0,
  });
}
