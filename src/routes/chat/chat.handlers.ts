import type { Context } from "hono";
import { ApiError } from "../../lib/errors.ts";
import { formatCredits } from "../../lib/money.ts";
import { withTimeout } from "../../lib/time.ts";
import type { HonoEnv } from "../../lib/types.ts";
import { chatBound } from "../../metering/bounds.ts";
import { resolveModel } from "../../metering/catalog.ts";
import { chatBoundRequest } from "../../metering/chat-input.ts";
import { MAX_STREAM_MS, Meter } from "../../metering/meter.ts";
import { meteredStream } from "../../metering/stream.ts";
import { CHAT_ADAPTERS } from "../../providers/registry.ts";
import { callUpstream } from "../../providers/upstream.ts";
import type { ChatRequest } from "./chat.schemas.ts";

/** Keeps the settle alive after the answer is sent; app.request() in tests has no execution context. */
function waitUntil(c: Context<HonoEnv>, promise: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(promise);
  } catch {
    // no execution context: the promise still runs, just without the runtime's extension
  }
}

const readBody = (response: Response, idleMs: number) =>
  withTimeout(response.text(), idleMs, () => new Error("body timeout"));

/** The one path every chat call takes: model, bound, hold, upstream, answer, settle. */
export async function runChat(c: Context<HonoEnv>, request: ChatRequest): Promise<Response> {
  const { config, services, caller, requestId } = c.var;
  if (caller.source === "rapidapi") {
    throw new ApiError("FORBIDDEN", "Chat is not yet available through RapidAPI; use a direct API key.");
  }
  const now = services.now();
  const entry = resolveModel(request.model, now, "chat");
  const adapter = CHAT_ADAPTERS[entry.provider];
  const apiKey = adapter?.apiKey(config);
  if (!adapter || apiKey === undefined) {
    throw new ApiError("PROVIDER_NOT_CONFIGURED", `${entry.provider} models are not available on this gateway.`);
  }
  const boundRequest = chatBoundRequest(request);
  const ttlMs = config.UPSTREAM_TIMEOUT_MS + MAX_STREAM_MS + 60_000;
  const meter = await Meter.open(services, caller, entry, requestId, ttlMs, (available) =>
    chatBound(entry, boundRequest, {
      now,
      pricing: services.pricing,
      defaultMaxOutput: config.DEFAULT_MAX_OUTPUT_TOKENS,
      available,
      inputKinds: adapter.inputKinds(request),
    }),
  );
  waitUntil(c, meter.ended);

  const upstreamRequest = adapter.buildRequest(request, entry, {
    apiKey,
    config,
    maxOutputTokens: meter.bound.max_output_to_send,
  });
  let upstream: Awaited<ReturnType<typeof callUpstream>>;
  try {
    upstream = await callUpstream(fetch, entry.provider, upstreamRequest, config.UPSTREAM_TIMEOUT_MS, requestId);
  } catch (error) {
    await meter.release();
    throw error;
  }
  const { response, controller } = upstream;
  if (!response.ok || !response.body) {
    const text = await readBody(response, config.UPSTREAM_IDLE_TIMEOUT_MS).catch(() => "");
    await meter.release();
    throw adapter.parseError(response.status, text, response.headers);
  }

  if (request.stream) {
    const body = meteredStream({
      upstream: response.body,
      abort: controller,
      adapter,
      state: { includeUsage: request.stream_options?.include_usage === true },
      meter,
      idleMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
      maxMs: MAX_STREAM_MS,
      requestId,
      now: services.now,
    });
    return new Response(body, {
      status: 200,
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-credits-remaining": formatCredits(meter.remainingAfterHold),
      },
    });
  }

  // Once the upstream call is sent it is never free: a client that leaves is charged the disconnect rule.
  const onClientGone = () => {
    controller.abort();
    void meter.settleInterrupted(undefined, 0);
  };
  c.req.raw.signal?.addEventListener("abort", onClientGone, { once: true });
  let parsed: ReturnType<typeof adapter.parseResponse>;
  try {
    parsed = adapter.parseResponse(JSON.parse(await readBody(response, config.UPSTREAM_IDLE_TIMEOUT_MS)));
  } catch {
    parsed = new ApiError("PROVIDER_ERROR", "The provider's answer broke off or was not JSON. Nothing was charged.");
  } finally {
    c.req.raw.signal?.removeEventListener("abort", onClientGone);
  }
  if (parsed instanceof ApiError) {
    await meter.release();
    throw parsed;
  }
  const settled = await meter.settle(parsed.usage);
  const headers: Record<string, string> = {};
  if (settled) {
    headers["x-credits-charged"] = formatCredits(settled.charged_micros);
    headers["x-credits-remaining"] = formatCredits(settled.remaining_micros);
  }
  return c.json(parsed.body, 200, headers);
}
