import { ApiError } from "../lib/errors.ts";
import { withTimeout } from "../lib/time.ts";
import type { RateWindow } from "../stores/limit-ports.ts";
import { bytesAnswer, type JsonPart, jsonAnswer } from "./answers.ts";
import { type CallContext, MAX_STREAM_MS } from "./call-context.ts";
import { resolveModel } from "./catalog.ts";
import type { CatalogEntry, ModelKind } from "./catalog-types.ts";
import type { Hold } from "./hold.ts";
import { type CallMeter, Meter, type UsageNotes } from "./meter.ts";
import type { UsageRecord } from "./pricing.ts";
import { RapidApiMeter } from "./rapidapi-meter.ts";
import { meteredStream, type StreamSource } from "./stream.ts";
import { callUpstream, type UpstreamProvider, type UpstreamRequest } from "./upstream.ts";

export type { JsonPart };

/** How the upstream's successful answer is read; each kind has its own response handler. */
export type Answer =
  /**
   * A JSON body: the client's body and the usage it reports, or the provider's failure. `merge`
   * makes one answer of several upstream answers; required when `request` returns several.
   */
  | { type: "json"; read(json: unknown): JsonPart | ApiError; merge?(parts: JsonPart[]): JsonPart }
  /** Server-sent events, translated and framed by the source. */
  | { type: "sse"; contentType: string; start(): StreamSource }
  /**
   * Bytes passed through as they arrive, charged before the first one is sent on: `usage` is
   * known from the request or the answer's head; `notes` are unpriced counts for the ledger entry.
   */
  | {
      type: "bytes";
      /** Sent when the provider names no content type. */
      contentType: string;
      usage(response: Response): UsageRecord;
      notes?(response: Response): UsageNotes;
    };

/** A capability's part of a call: the adapter behind a model, its hold, its request and answer. */
export interface MeteredSpec<A, H extends Hold> {
  model: string;
  kind: ModelKind;
  /** The provider and its adapter for this capability; undefined when not configured. */
  resolve(entry: CatalogEntry): { provider: UpstreamProvider; adapter: A } | undefined;
  /** The hold before the balance is known; it may shrink to what the balance affords. */
  hold(entry: CatalogEntry, adapter: A): H;
  /**
   * Built once the hold is placed, so the request asks for exactly what the hold covers. Several
   * requests are sent together when the provider makes one result per call (their JSON answers
   * are merged into one); the call succeeds only if all of them do.
   */
  request(entry: CatalogEntry, adapter: A, hold: H): UpstreamRequest | readonly UpstreamRequest[];
  answer(entry: CatalogEntry, adapter: A, hold: H): Answer;
  /** Displayed for an unconfigured provider. */
  providerName(entry: CatalogEntry): string;
}

/**
 * The one metered path (DESIGN "The request pipeline"): caller gate, model → provider adapter,
 * hold, upstream with timeouts, release on any failure, settle, credit headers. Once the upstream
 * call is sent the call is never free; a failed upstream call is.
 */
export async function meteredCall<A, H extends Hold>(ctx: CallContext, spec: MeteredSpec<A, H>): Promise<Response> {
  const { caller, deps, requestId } = ctx;
  const entry = resolveModel(spec.model, deps.now(), spec.kind);
  const resolved = spec.resolve(entry);
  if (!resolved) {
    throw new ApiError(
      "PROVIDER_NOT_CONFIGURED",
      `${spec.providerName(entry)} models are not available on this gateway.`,
    );
  }
  const { provider, adapter } = resolved;
  const streamMaxMs = ctx.streamMaxMs ?? MAX_STREAM_MS;
  // A hold lives as long as its call can: first byte, the stream cap (a timer), and a margin.
  const ttlMs = ctx.firstByteMs + streamMaxMs + 60_000;
  // The path follows how the request authenticated, never the account id.
  // The call's one store step before the upstream call also checks and counts the rate limits.
  const meter: CallMeter<H> & { window: RateWindow | null } =
    caller.source === "rapidapi"
      ? await RapidApiMeter.open(
          deps,
          caller,
          entry,
          requestId,
          spec.hold(entry, adapter),
          ctx.rapidApiBillingObject,
          ttlMs,
          ctx.limits,
        )
      : await Meter.open(deps, caller, entry, requestId, ttlMs, spec.hold(entry, adapter), ctx.limits);
  if (meter.window) ctx.onRateWindow?.(meter.window);
  ctx.waitUntil(meter.ended);

  // One controller for every upstream request of the call: a failure aborts the others.
  const controller = new AbortController();
  try {
    const answer = spec.answer(entry, adapter, meter.hold);
    const requests = [spec.request(entry, adapter, meter.hold)].flat();
    if (requests.length === 0 || (requests.length > 1 && !(answer.type === "json" && answer.merge))) {
      throw new Error(`${requests.length} upstream requests need one JSON answer that merges them`);
    }
    const responses = await Promise.all(
      requests.map(async (request) => {
        const { response } = await callUpstream(provider, request, ctx.firstByteMs, requestId, controller);
        if (!response.ok || !response.body) {
          const text = await withTimeout(response.text(), ctx.idleMs, () => new Error("body timeout")).catch(() => "");
          throw provider.parseError(response.status, text, response.headers);
        }
        return response;
      }),
    );
    return await respond(ctx, meter, answer, responses, controller, streamMaxMs);
  } catch (error) {
    // Any failure before the call was charged releases the hold; after a settle this changes nothing.
    controller.abort();
    await meter.release().catch(() => null);
    throw error;
  }
}

async function respond(
  ctx: CallContext,
  meter: CallMeter,
  answer: Answer,
  responses: Response[],
  controller: AbortController,
  streamMaxMs: number,
): Promise<Response> {
  // Only a JSON answer merges several upstream answers (checked before they were sent).
  const response = responses[0] as Response;
  switch (answer.type) {
    case "json":
      return jsonAnswer({ ctx, meter, responses, controller, read: answer.read, merge: answer.merge });
    case "bytes":
      return bytesAnswer({
        ctx,
        meter,
        response,
        controller,
        usage: answer.usage(response),
        contentType: answer.contentType,
        ...(answer.notes ? { notes: answer.notes(response) } : {}),
      });
    case "sse": {
      const body = meteredStream({
        upstream: response.body as ReadableStream<Uint8Array>,
        abort: controller,
        source: answer.start(),
        meter,
        idleMs: ctx.idleMs,
        maxMs: streamMaxMs,
        requestId: ctx.requestId,
      });
      return new Response(body, {
        status: 200,
        headers: {
          "content-type": answer.contentType,
          "cache-control": "no-cache",
          ...(await meter.streamHeaders()),
        },
      });
    }
  }
}
