// Recorded fixtures for adapter unit tests (pure Node, no workerd): the same files, read the same
// way, as the fake upstream replays to the route tests (test/fakes/upstream.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CASE_NAME,
  chunkLines,
  FIXTURES_ROOT,
  fillTemplate,
  loadDescriptor,
  type SseEvent,
  sseEvents,
  type TemplateVars,
} from "../fakes/fixtures.ts";

export type { SseEvent, TemplateVars };

function fixtureText(provider: string, name: string, ext: string, vars: TemplateVars): string {
  if (!CASE_NAME.test(name)) throw new Error(`bad case name "${name}"`);
  return fillTemplate(readFileSync(join(FIXTURES_ROOT, provider, `${name}${ext}`), "utf8"), vars, true);
}

/** `<case>.json`, parsed; `{{model}}`/`{{key}}` filled from `vars` when given. */
export function readFixtureJson<T = unknown>(provider: string, name: string, vars: TemplateVars = {}): T {
  return JSON.parse(fixtureText(provider, name, ".json", vars)) as T;
}

/** The data payloads of `<case>.chunks.txt`, one per line, as written. */
export function readFixtureChunks(provider: string, name: string, vars: TemplateVars = {}): string[] {
  return chunkLines(fixtureText(provider, name, ".chunks.txt", vars));
}

/**
 * Exactly the SSE events the fake sends for a case: `event:` names where the provider uses them and
 * the terminator (OpenAI's `[DONE]`) at the end. `errors/…` cases (the mid-stream failure) have none,
 * as the fake sends them after a cut stream.
 */
export function fixtureEvents(provider: string, name: string, vars: TemplateVars = {}): SseEvent[] {
  const { sse } = loadDescriptor(provider);
  return sseEvents(readFixtureChunks(provider, name, vars), sse, !name.startsWith("errors/"));
}
