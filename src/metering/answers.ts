import { ApiError } from "../lib/errors.ts";
import { withTimeout } from "../lib/time.ts";
import { type CallContext, creditHeaders } from "./call-context.ts";
import type { Hold } from "./hold.ts";
import type { Meter } from "./meter.ts";
import type { UsageRecord } from "./pricing.ts";

interface AnswerInput {
  ctx: CallContext;
  meter: Meter<Hold>;
  response: Response;
  /** Aborts the upstream call. */
  controller: AbortController;
}

class BodyTimeout extends Error {
  override name = "BodyTimeout";
}

/**
 * A JSON answer: read whole (within the idle limit), translated, settled, then sent with its
 * exact charge. A client that leaves once the provider was called is charged the estimate.
 */
export async function jsonAnswer(
  input: AnswerInput & { read(json: unknown): { body: unknown; usage: UsageRecord } | ApiError },
): Promise<Response> {
  const { ctx, meter, response, controller } = input;
  const onClientGone = () => {
    controller.abort();
    void meter.settleInterrupted({ streamedBytes: 0 });
  };
  ctx.clientSignal?.addEventListener("abort", onClientGone, { once: true });
  let parsed: ReturnType<typeof input.read>;
  try {
    const text = await withTimeout(response.text(), ctx.idleMs, () => new BodyTimeout());
    parsed = input.read(JSON.parse(text));
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
export async function bytesAnswer(input: AnswerInput & { usage: UsageRecord }): Promise<Response> {
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
