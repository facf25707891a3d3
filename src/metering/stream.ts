import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ApiError, errorEnvelope } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { withTimeout } from "../lib/time.ts";
import type { ChatAdapter, ChatStreamState } from "../providers/types.ts";
import { utf8Bytes } from "./bounds.ts";
import type { Meter } from "./meter.ts";
import type { UsageRecord } from "./pricing.ts";

const encoder = new TextEncoder();
const frame = (payload: string) => encoder.encode(`data: ${payload}\n\n`);

class StreamTimeout extends Error {
  override name = "StreamTimeout";
}

export interface MeteredStreamOptions {
  upstream: ReadableStream<Uint8Array>;
  /** Aborts the upstream call (client gone, idle, too long). */
  abort: AbortController;
  adapter: ChatAdapter;
  state: ChatStreamState;
  meter: Meter;
  idleMs: number;
  maxMs: number;
  requestId: string;
  now: () => number;
}

/**
 * The client's SSE stream. Each upstream chunk is parsed (eventsource-parser) and its frames are
 * sent on at once; usage is read on the fly. The stream settles before its last frame: `[DONE]`
 * after a complete answer, or a final `data: {"error": ...}` frame (what was streamed is charged).
 * If the client goes away, `cancel` charges by the disconnect rule and aborts upstream.
 */
export function meteredStream(options: MeteredStreamOptions): ReadableStream<Uint8Array> {
  const { adapter, state, meter, abort, requestId } = options;
  const reader = options.upstream.getReader();
  // A broken upstream rejects `closed` too; the read path already handles the failure.
  reader.closed.catch(() => {});
  const decoder = new TextDecoder();
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const deadline = options.now() + options.maxMs;
  let usage: UsageRecord | undefined;
  let streamedBytes = 0;
  let over = false;
  /** Set when the client went away: nothing may be enqueued after that. */
  let cancelled = false;

  // If the timer wins, aborting upstream later rejects the pending read: withTimeout observes it.
  const read = () =>
    withTimeout(
      reader.read(),
      Math.max(0, Math.min(options.idleMs, deadline - options.now())),
      () => new StreamTimeout(),
    );

  const finishWithError = async (controller: ReadableStreamDefaultController<Uint8Array>, error: ApiError) => {
    over = true;
    abort.abort();
    log("warn", "stream failed", { request_id: requestId, code: error.code });
    await meter.settleInterrupted(usage, streamedBytes).catch(() => null);
    if (cancelled) return;
    controller.enqueue(frame(JSON.stringify(errorEnvelope(error, requestId))));
    controller.close();
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        let sent = false;
        for (let event = events.shift(); event; event = events.shift()) {
          const step = adapter.onStreamEvent(state, event);
          if (step.usage) usage = step.usage;
          if (step.text) streamedBytes += utf8Bytes(step.text);
          if (step.error) return finishWithError(controller, step.error);
          for (const payload of step.frames) controller.enqueue(frame(payload));
          sent ||= step.frames.length > 0;
          if (step.done) {
            over = true;
            await meter.settleInterrupted(usage, streamedBytes).catch(() => null);
            reader.cancel().catch(() => {});
            if (cancelled) return;
            controller.enqueue(frame("[DONE]"));
            controller.close();
            return;
          }
        }
        if (sent) return;
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await read();
        } catch (error) {
          const timeout = error instanceof StreamTimeout;
          return finishWithError(
            controller,
            timeout
              ? new ApiError(
                  "PROVIDER_TIMEOUT",
                  "The provider stopped sending; the stream was cut and what was streamed is charged.",
                )
              : new ApiError(
                  "PROVIDER_ERROR",
                  "The provider connection broke mid-answer; what was streamed is charged.",
                ),
          );
        }
        if (chunk.done) {
          parser.feed(decoder.decode());
          if (events.length > 0) continue;
          return finishWithError(
            controller,
            new ApiError("PROVIDER_ERROR", "The provider ended the answer early; what was streamed is charged."),
          );
        }
        parser.feed(decoder.decode(chunk.value, { stream: true }));
      }
    },
    async cancel() {
      cancelled = true;
      if (over) return;
      over = true;
      abort.abort();
      await meter.settleInterrupted(usage, streamedBytes).catch(() => null);
    },
  });
}
