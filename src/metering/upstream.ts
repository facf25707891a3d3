import { ApiError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";

/** What the metered path needs from any provider, whatever the capability. */
export interface UpstreamProvider {
  readonly id: string;
  /** Display name for messages ("OpenAI"). */
  readonly name: string;
  /** Injected when the provider module is built: never the global. */
  readonly fetch: typeof fetch;
  /** Maps an upstream error answer (status >= 400) to the gateway's error. */
  parseError(status: number, body: string, headers: Headers): ApiError;
}

/** One upstream HTTP request. Bodies are any BodyInit: JSON text, multipart form data, bytes; none for a GET. */
export interface UpstreamRequest {
  url: string;
  init: RequestInit & { method: string; headers: Record<string, string>; body?: BodyInit };
}

export class UpstreamTimeout extends Error {
  override name = "UpstreamTimeout";
}

/**
 * Sends the upstream request, aborting it when the answer's headers take longer than
 * `firstByteMs`. The returned controller aborts the call later (client gone, idle stream); calls
 * that make one answer together share one, so any of them failing aborts them all.
 */
export async function callUpstream(
  provider: UpstreamProvider,
  request: UpstreamRequest,
  firstByteMs: number,
  requestId: string,
  controller = new AbortController(),
): Promise<{ response: Response; controller: AbortController }> {
  const timer = setTimeout(() => controller.abort(new UpstreamTimeout("first byte")), firstByteMs);
  try {
    const response = await provider.fetch(request.url, { ...request.init, signal: controller.signal });
    return { response, controller };
  } catch (error) {
    const timedOut = controller.signal.aborted && controller.signal.reason instanceof UpstreamTimeout;
    log("warn", "upstream failed", {
      request_id: requestId,
      provider: provider.id,
      error: timedOut ? "timeout" : error instanceof Error ? error.name : "unknown",
    });
    if (timedOut) {
      throw new ApiError(
        "PROVIDER_TIMEOUT",
        `${provider.name} did not answer within ${firstByteMs} ms. Nothing was charged.`,
      );
    }
    throw new ApiError("PROVIDER_ERROR", `${provider.name} could not be reached. Nothing was charged.`);
  } finally {
    clearTimeout(timer);
  }
}
