import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ApiError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { utf8Bytes } from "../lib/text.ts";
import type { CallMeter } from "./meter.ts";
import type { UsageRecord } from "./pricing.ts";

/** What one upstream event (or the upstream's end of file) means for the client and for metering. */
export interface StreamStep {
  /** Frames for the client, already in the capability's wire format. */
  frames: string[];
  /** The usage reported so far, merged across events by the source. */
  usage?: UsageRecord;
  /**
   * Output the provider generated in this step, shown to the client or not (thinking), for the
   * interrupted-call estimate.
   */
  text?: string;
  /** The answer is complete: settle, then send `finish()`. */
  done?: boolean;
  /** The upstream failed: charge what was streamed, then send `fail()`. */
  error?: ApiError;
}

/**
 * A capability's stream: the provider adapter's event translation composed with the
 * capability's writer. Metering sees frames and usage, never a wire format.
 */
export interface StreamSource {
  event(event: EventSourceMessage): StreamStep;
  /** The upstream reached end of file (a stream without a terminator, like Gemini's, ends here). */
  end(): StreamStep;
  /** The frames that close a complete answer, sent once it is settled. */
  finish(): string[];
  /** The frames that report a failure, sent once what was streamed is charged. */
  fail(error: ApiError): string[];
}

export interface MeteredStreamOptions {
  upstream: ReadableStream<Uint8Array>;
  /** Aborts the upstream call (client gone, idle, too long). */
  abort: AbortController;
  source: StreamSource;
  meter: CallMeter;
  idleMs: number;
  /** The stream is cut this long after it starts, by a timer, whether or not the client reads. */
  maxMs: number;
  requestId: string;
}

const encoder = new TextEncoder();

/**
 * The client's stream. Each upstream chunk is parsed (eventsource-parser) and its frames are
 * sent on at once; usage is read on the fly. The stream settles before its last frames. If the
 * client goes away, `cancel` charges the interrupted estimate and aborts upstream. The stream
 * cap runs on a timer, so a client that stops reading cannot keep the call (and its hold) alive.
 */
export function meteredStream(options: MeteredStreamOptions): ReadableStream<Uint8Array> {
  const { source, meter, abort, requestId } = options;
  const reader = options.upstream.getReader();
  // A broken upstream rejects `closed` too; the read path already handles the failure.
  reader.closed.catch(() => {});
  const decoder = new TextDecoder();
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  let usage: UsageRecord | undefined;
  let streamedBytes = 0;
  /** Set once the call has an ending (done, failed, cut, client gone): nothing else may end it. */
  let over = false;
  /** Set when the client went away: nothing may be enqueued after that. */
  let cancelled = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let capTimer: ReturnType<typeof setTimeout> | undefined;

  /** Frames enqueued since the last pull started: the client gets to read them first. */
  let sent = 0;
  const send = (frames: string[]) => {
    if (cancelled) return;
    for (const frame of frames) controller.enqueue(encoder.encode(frame));
    sent += frames.length;
  };
  const close = () => {
    clearTimeout(capTimer);
    clearTimeout(idleTimer);
    if (!cancelled) controller.close();
  };

  const fail = async (error: ApiError) => {
    if (over) return;
    over = true;
    abort.abort();
    reader.cancel().catch(() => {});
    log("warn", "stream failed", { request_id: requestId, code: error.code });
    meter.settleInterrupted({ ...(usage ? { reported: usage } : {}), streamedBytes });
    send(source.fail(error));
    close();
  };

  const complete = async () => {
    if (over) return;
    over = true;
    reader.cancel().catch(() => {});
    // The settle is dispatched, not awaited: the last frames go out at once (DESIGN "When settle runs").
    try {
      if (usage) await meter.settle(usage);
      else meter.settleInterrupted({ streamedBytes });
    } catch (error) {
      // Usage the gateway cannot trust: the hold was released; the client learns the answer is void.
      send(source.fail(error instanceof ApiError ? error : new ApiError("PROVIDER_ERROR", "The answer was void.")));
      close();
      return;
    }
    send(source.finish());
    close();
  };

  /** Applies one step; true when the stream has ended. */
  const apply = async (step: StreamStep): Promise<boolean> => {
    if (over) return true;
    if (step.usage) usage = step.usage;
    if (step.text) streamedBytes += utf8Bytes(step.text);
    if (step.error) {
      await fail(step.error);
      return true;
    }
    send(step.frames);
    if (step.done) {
      await complete();
      return true;
    }
    return false;
  };

  /**
   * One watchdog for the idle limit instead of a timer per read: it cuts the stream when a read of
   * the upstream has waited `idleMs`. A client that stops reading is not the provider's stall.
   */
  let readingSince: number | null = null;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const watchIdle = (delay: number) => {
    idleTimer = setTimeout(() => {
      if (over) return;
      const waited = readingSince === null ? 0 : Date.now() - readingSince;
      if (waited >= options.idleMs) {
        void fail(
          new ApiError(
            "PROVIDER_TIMEOUT",
            "The provider stopped sending; the stream was cut and what was streamed is charged.",
          ),
        );
        return;
      }
      watchIdle(options.idleMs - waited);
    }, delay);
  };
  const read = async () => {
    readingSince = Date.now();
    try {
      return await reader.read();
    } finally {
      readingSince = null;
    }
  };

  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      capTimer = setTimeout(
        () =>
          void fail(
            new ApiError(
              "PROVIDER_TIMEOUT",
              `The stream reached its ${Math.round(options.maxMs / 1000)} s limit and was cut; what was streamed is charged.`,
            ),
          ),
        options.maxMs,
      );
      watchIdle(options.idleMs);
    },
    async pull() {
      for (;;) {
        if (over) return;
        sent = 0;
        for (let event = events.shift(); event; event = events.shift()) {
          if (await apply(source.event(event))) return;
        }
        // Frames were sent: let the client pull again before reading more from upstream.
        if (sent > 0) return;
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await read();
        } catch {
          // Already over when the watchdog or the cap cut the read; otherwise the connection broke.
          return fail(
            new ApiError("PROVIDER_ERROR", "The provider connection broke mid-answer; what was streamed is charged."),
          );
        }
        if (over) return;
        if (chunk.done) {
          parser.feed(decoder.decode());
          for (let event = events.shift(); event; event = events.shift()) {
            if (await apply(source.event(event))) return;
          }
          await apply(source.end());
          return;
        }
        parser.feed(decoder.decode(chunk.value, { stream: true }));
      }
    },
    async cancel() {
      cancelled = true;
      clearTimeout(capTimer);
      clearTimeout(idleTimer);
      if (over) return;
      over = true;
      abort.abort();
      meter.settleInterrupted({ ...(usage ? { reported: usage } : {}), streamedBytes });
    },
  });
}
