import { type ApiError, errorEnvelope } from "../../lib/errors.ts";
import type { StreamSource } from "../../metering/stream.ts";
import type { ChatStream, ChunkOut } from "./adapter.ts";

const frame = (payload: string) => `data: ${payload}\n\n`;
const serialise = (chunk: ChunkOut) => (typeof chunk === "string" ? chunk : JSON.stringify(chunk));

/**
 * OpenAI's SSE framing around a provider's translated stream: `data: <chunk>` frames, the usage
 * chunk only when the client asked for it (`stream_options.include_usage`; the gateway always
 * asks upstream), `data: [DONE]` once the call is settled, and a final `data: {"error": …}`
 * frame when the upstream fails.
 */
export function openAISse(stream: ChatStream, options: { includeUsage: boolean; requestId: string }): StreamSource {
  let usageChunk: ChunkOut | undefined;
  const step = (next: ReturnType<ChatStream["event"]>) => {
    if (next.usageChunk !== undefined) usageChunk = next.usageChunk;
    const { chunks, ...rest } = next;
    return { ...rest, frames: chunks.map((chunk) => frame(serialise(chunk))) };
  };
  return {
    event: (event) => step(stream.event(event)),
    end: () => step(stream.end()),
    finish: () => [
      ...(options.includeUsage && usageChunk !== undefined ? [frame(serialise(usageChunk))] : []),
      frame("[DONE]"),
    ],
    fail: (error: ApiError) => [frame(JSON.stringify(errorEnvelope(error, options.requestId)))],
  };
}
