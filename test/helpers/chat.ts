import { env } from "cloudflare:test";
import { expect } from "vitest";
import { bearer, grant, gw, json, newAccount } from "./gateway.ts";

export const MODEL = "openai/gpt-4o-mini";

/** A new account holding `credits`. */
export async function funded(credits: number) {
  const account = await newAccount();
  if (credits > 0) expect((await grant({ accountId: account.account_id }, credits)).status).toBe(200);
  return account;
}

/** A unique marker plus fake-upstream directives, as the last user message. */
export function prompt(directives = ""): { marker: string; content: string } {
  const marker = `m-${crypto.randomUUID()}`;
  return { marker, content: `${directives} ${marker}`.trim() };
}

export function chat(key: string, body: Record<string, unknown>, path = "/v1/chat/completions", signal?: AbortSignal) {
  return gw(path, { ...json({ model: MODEL, ...body }, bearer(key)), ...(signal ? { signal } : {}) });
}

/** One request as the fake upstream recorded it (test/fakes/upstream.ts `RecordedRequest`). */
export interface UpstreamRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The parsed JSON body (typed for the JSON routes; the fake sends null for a body that is not JSON). */
  body: Record<string, unknown>;
  rawBody: string;
  aborted: boolean;
  case: string | null;
  requestId: string;
}

const BASE_URLS = {
  openai: "OPENAI_BASE_URL",
  anthropic: "ANTHROPIC_BASE_URL",
  google: "GOOGLE_BASE_URL",
  elevenlabs: "ELEVENLABS_BASE_URL",
  stability: "STABILITY_BASE_URL",
} as const;
export type FakeProvider = keyof typeof BASE_URLS;

/** What reached a provider's fake upstream for a marker (the fake's own inspection route). */
export async function upstreamRequests(
  marker: string,
  provider: keyof typeof BASE_URLS = "openai",
): Promise<UpstreamRequest[]> {
  const origin = new URL(env[BASE_URLS[provider]] as string).origin;
  const res = await fetch(`${origin}/__fake/requests?marker=${encodeURIComponent(marker)}`);
  return (await res.json()) as UpstreamRequest[];
}

/** The `data:` payloads of an SSE body, in order. */
export function sseData(text: string): string[] {
  expect(text.endsWith("\n\n")).toBe(true);
  return text
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => {
      expect(block.startsWith("data: ")).toBe(true);
      return block.slice("data: ".length);
    });
}

/** The text content a stream's chunk frames carried, in order. */
export function streamedContent(frames: string[]): string {
  return frames
    .map((frame) => JSON.parse(frame) as { choices: { delta: { content?: string } }[] })
    .map((chunk) => chunk.choices[0]?.delta.content ?? "")
    .join("");
}

export async function account(key: string) {
  const res = await gw("/v1/balance", { headers: bearer(key) });
  return (await res.json()) as { credits_micros: number; held_micros: number; account_id: string };
}

type Entry = { reason: string; amount_micros: number; request_id: string | null; usage: Record<string, number> | null };
export async function usageEntries(key: string): Promise<Entry[]> {
  const res = await gw("/v1/usage?limit=100", { headers: bearer(key) });
  return ((await res.json()) as { data: Entry[] }).data.filter((e) => e.reason === "usage");
}

/** Waits until the account has no hold left (a settle running in waitUntil after the answer). */
export async function settledAccount(key: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const balance = await account(key);
    if (balance.held_micros === 0 || Date.now() > deadline) return balance;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether the fake saw the gateway drop the upstream call; polls, since the close travels asynchronously. */
export async function upstreamAborted(
  marker: string,
  provider: FakeProvider = "openai",
  timeoutMs = 3000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await upstreamRequests(marker, provider))[0]?.aborted) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Reads a stream until `pattern` has appeared `times` times in what arrived, then goes away
 * (cancels the body, as a client that disconnects). Returns what it read.
 */
export async function readThenDisconnect(res: Response, pattern: RegExp, times: number): Promise<string> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const global = new RegExp(pattern.source, "g");
  let seen = "";
  while ((seen.match(global) ?? []).length < times) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended before ${times} x ${pattern}`);
    seen += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return seen;
}

type ChunkFrame = {
  choices: {
    delta: { tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[] };
    finish_reason: string | null;
  }[];
};

/** The tool calls a stream's chunk frames carried, assembled by index (as an SDK does), and its finish reason. */
export function streamedToolCalls(frames: string[]): {
  calls: { id: string; name: string; arguments: string }[];
  finish: string | null;
} {
  const calls: { id: string; name: string; arguments: string }[] = [];
  let finish: string | null = null;
  for (const frame of frames) {
    const choice = (JSON.parse(frame) as ChunkFrame).choices[0];
    for (const delta of choice?.delta.tool_calls ?? []) {
      const call = calls[delta.index] ?? { id: "", name: "", arguments: "" };
      calls[delta.index] = call;
      call.id += delta.id ?? "";
      call.name += delta.function?.name ?? "";
      call.arguments += delta.function?.arguments ?? "";
    }
    finish = choice?.finish_reason ?? finish;
  }
  return { calls, finish };
}
