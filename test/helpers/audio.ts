import { inject } from "vitest";
import { bearer, gw, json } from "./gateway.ts";

/** A `<provider>/<case>.bin` fixture, exactly the bytes the fake upstream sends for that case. */
export function fixtureBytes(name: string): Uint8Array {
  const base64 = inject("binFixtures")[name];
  if (base64 === undefined) throw new Error(`no fixture ${name}.bin`);
  return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
}

export function speech(key: string, body: Record<string, unknown>, signal?: AbortSignal) {
  return gw("/v1/audio/speech", { ...json(body, bearer(key)), ...(signal ? { signal } : {}) });
}

export function music(key: string, body: Record<string, unknown>, signal?: AbortSignal) {
  return gw("/v1/audio/music", { ...json(body, bearer(key)), ...(signal ? { signal } : {}) });
}

export async function bytesOf(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

/** Reads a body chunk by chunk, with the time each chunk arrived (ms after `since`). */
export async function timedChunks(res: Response, since: number): Promise<{ bytes: Uint8Array; at: number }[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: { bytes: Uint8Array; at: number }[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push({ bytes: value, at: Date.now() - since });
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
