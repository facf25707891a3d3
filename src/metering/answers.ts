import { ApiError } from "../lib/errors.ts";
import { withTimeout } from "../lib/time.ts";
import { type CallContext, creditHeaders } from "./call-context.ts";
import type { Hold } from "./hold.ts";
import type { Meter } from "./meter.ts";
import type { UsageRecord } from "./pricing.ts";

interface AnswerInput {
  ctx: CallContext;
  meter: Meter<Hold>;
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
  } catch {
    parsed = new ApiError("PROVIDER_ERROR", "The provider's answer broke off or was not JSON. Nothing was charged.");
  } finally {
    ctx.clientSignal?.removeEventListener("abort", onClientGone);
  }
  if (parsed instanceof ApiError) throw parsed; // meteredCall releases the hold
  const settled = await meter.settle(parsed.usage);
  return new Response(JSON.stringify(parsed.body), {
    status: 200,
    headers: { "content-type": "application/json", ...creditHeaders(settled) },
  });
}

/**
 * Bytes (audio) passed through as they arrive. The provider bills the call once it has accepted
 * it, so the charge is settled from the answer's head, before the first byte is sent on.
 */
export async function bytesAnswer(input: AnswerInput & { response: Response; usage: UsageRecord }): Promise<Response> {
  const { ctx, meter, response, controller } = input;
  const settled = await meter.settle(input.usage);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  reader.closed.catch(() => {});
  const body = new ReadableStream<Uint8Array>({
    async pull(client) {
      try {
        const chunk = await withTimeout(reader.read(), ctx.idleMs, () => new BodyTimeout());
        if (chunk.done) client.close();
        else client.enqueue(chunk.value);
      } catch (error) {
        controller.abort();
        client.error(error);
      }
    },
    cancel() {
      controller.abort();
      return reader.cancel().catch(() => {});
    },
  });
  const headers: Record<string, string> = { ...creditHeaders(settled) };
  const type = response.headers.get("content-type");
  if (type) headers["content-type"] = type;
  return new Response(body, { status: 200, headers });
}
