// Recorded provider fixtures (test/fixtures/<provider>/), read the way the fake upstream replays
// them, so adapter unit tests see exactly the events the route tests get. Pure Node: no workerd.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "fixtures");

interface Descriptor {
  sse: { eventField: string | null; terminator: string | null };
}

function descriptor(provider: string): Descriptor {
  const file = join(ROOT, provider, "provider.json");
  if (!existsSync(file)) return { sse: { eventField: null, terminator: null } };
  return JSON.parse(readFileSync(file, "utf8")) as Descriptor;
}

export function readFixtureJson<T = unknown>(provider: string, name: string): T {
  return JSON.parse(readFileSync(join(ROOT, provider, `${name}.json`), "utf8")) as T;
}

/** The data payloads of a recorded stream, one per non-empty line. */
export function readFixtureChunks(provider: string, name: string): string[] {
  return readFileSync(join(ROOT, provider, `${name}.chunks.txt`), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "");
}

/** The SSE events the fake sends for a stream case: event names where the provider uses them, and the terminator. */
export function fixtureEvents(provider: string, name: string): { event?: string; data: string }[] {
  const { sse } = descriptor(provider);
  const lines = readFixtureChunks(provider, name);
  if (sse.terminator !== null && lines.at(-1) !== sse.terminator) lines.push(sse.terminator);
  return lines.map((data) => {
    if (sse.eventField === null) return { data };
    try {
      const value = (JSON.parse(data) as Record<string, unknown>)[sse.eventField];
      return typeof value === "string" ? { event: value, data } : { data };
    } catch {
      return { data };
    }
  });
}
