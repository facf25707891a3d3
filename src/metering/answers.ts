import { ApiError } from "../lib/errors.ts";
import { withTimeout } from "../lib/time.ts";
import type { CallContext } from "./call-context.ts";
import type { CallMeter, UsageNotes } from "./meter.ts";
import type { UsageRecord } from "./pricing.ts";

interface AnswerInput {
  ctx: CallContext;
  meter: CallMeter;
  /** Aborts the upstream call (every request of it). */
  controller: AbortController;
}

class BodyTimeout extends Error {
  override name = "BodyTimeout";
}

/** One upstream JSON answer as the client gets it, and the usage it reports. */
export interface JsonPart {
  body: unknown;
  usage: UsageRecord;
}

/**
 * A JSON answer: read whole (within the idle limit), translated, settled, then sent with its
 * exact charge. A client that leaves once the provider was called is charged the estimate.
 * Several upstream answers (one call made of several requests) are read alike and merged into
 * one; any of them failing fails the call.
 */
export async function jsonAnswer(
  input: AnswerInput & {
    responses: readonly Response[];
    read(json: unknown): JsonPart | ApiError;
    merge?: ((parts: JsonPart[]) => JsonPart) | undefined;
  },
): Promise<Response> {
  const { ctx, meter, responses, controller } = input;
  const onClientGone = () => {
    controller.abort();
    void meter.settleInterrupted({ streamedBytes: 0 });
  };
  ctx.clientSignal?.addEventListener("abort", onClientGone, { once: true });
  let parsed: JsonPart | ApiError;
  try {
    const texts = await withTimeout(
      Promise.all(responses.map((response) => response.text())),
      ctx.idleMs,
      () => new BodyTimeout(),
    );
    const parts = texts.map((text) => input.read(JSON.parse(text)));
    const read = parts.filter((part): part is JsonPart => !(part instanceof ApiError));
    const failed = parts.find((part) => part instanceof ApiError);
    parsed = failed ?? (read.length > 1 && input.merge ? input.merge(read) : (read[0] as JsonPart));
  } catch (error) {
    // A body that stops past the idle limit is a timeout, as it is before a stream's or a bytes answer's first byte.
    parsed =
      error instanceof BodyTimeout
        ? new ApiError("PROVIDER_TIMEOUT", "The provider stopped sending its answer. Nothing was charged.")
        : new ApiError("PROVIDER_ERROR", "The provider's answer broke off or was not JSON. Nothing was charged.");
  } finally {
    ctx.clientSignal?.removeEventListener("abort", onClientGone);
  }
  if (parsed instanceof ApiError) throw parsed; // meteredCall releases the hold
  const billing = await meter.settle(parsed.usage);
  return new Response(JSON.stringify(parsed.body), {
    status: 200,
    headers: { "content-type": "application/json", ...billing },
  });
}

/** Reads up to the first non-empty chunk; a body that fails, stalls or ends before it is the provider's failure. */
async function firstChunk(reader: ReadableStreamDefaultReader<Uint8Array>, idleMs: number): Promise<Uint8Array> {
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await withTimeout(reader.read(), idleMs, () => new BodyTimeout());
    } catch (error) {
      if (error instanceof BodyTimeout) {
        throw new ApiError("PROVIDER_TIMEOUT", "The provider stopped before sending anything. Nothing was charged.");
      }
      throw new ApiError(
        "PROVIDER_ERROR",
        "The provider's answer broke off before its first byte. Nothing was charged.",
      );
    }
    if (chunk.done) throw new ApiError("PROVIDER_ERROR", "The provider's answer was empty. Nothing was charged.");
    if (chunk.value.byteLength > 0) return chunk.value;
  }
}

/**
 * Bytes (audio) passed through as they arrive. The charge is known from the request, and the
 * provider bills a call it has accepted in full, so the call is settled when the first byte
 * arrives, before it is sent on with its exact charge. A body that breaks, stalls or stays empty
 * before its first byte is the provider's failure and costs nothing (meteredCall releases the
 * hold). A client that leaves once the provider has answered is charged in full.
 */
export async function bytesAnswer(
  input: AnswerInput & {
    response: Response;
    usage: UsageRecord;
    /** Unpriced counts from the answer's head, recorded in the ledger entry. */
    notes?: UsageNotes;
    /** Sent when the provider names no content type. */
    contentType: string;
  },
): Promise<Response> {
  const { ctx, meter, response, controller } = input;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  reader.closed.catch(() => {});
  const onClientGone = () => {
    // Charged first, so the failed read that the abort causes cannot release the hold.
    void meter.settleInterrupted({ streamedBytes: 0 });
    controller.abort();
  };
  // A client gone before the answer arrived is gone all the same: the provider has accepted the call.
  if (ctx.clientSignal?.aborted) onClientGone();
  else ctx.clientSignal?.addEventListener("abort", onClientGone, { once: true });
  let first: Uint8Array;
  try {
    first = await firstChunk(reader, ctx.idleMs);
  } catch (error) {
    controller.abort();
    throw error; // meteredCall releases the hold, unless the client already left and was charged
  } finally {
    ctx.clientSignal?.removeEventListener("abort", onClientGone);
  }
  const billing = await meter.settle(input.usage, input.notes);
  const body = new ReadableStream<Uint8Array>({
    start(client) {
      client.enqueue(first);
    },
    async pull(client) {
      try {
        const chunk = await withTimeout(reader.read(), ctx.idleMs, () => new BodyTimeout());
        if (chunk.done) client.close();
        else client.enqueue(chunk.value);
      } catch {
        controller.abort();
        client.error(new Error("the provider's answer broke off"));
      }
    },
    cancel() {
      controller.abort();
      return reader.cancel().catch(() => {});
    },
  });
  const headers: Record<string, string> = { ...billing };
  headers["content-type"] = response.headers.get("content-type") || input.contentType;
  return new Response(body, { status: 200, headers });
}
