import { ApiError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import type { Provider } from "../metering/catalog-types.ts";
import type { UpstreamRequest } from "./types.ts";

export class UpstreamTimeout extends Error {
  override name = "UpstreamTimeout";
}

const providerName: Record<Provider, string> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  google: "Google",
  elevenlabs: "ElevenLabs",
  stability: "Stability AI",
};

/**
 * Sends the upstream request, aborting it when the answer's headers take longer than
 * `firstByteMs`. The returned controller aborts the call later (client gone, idle stream).
 */
export async function callUpstream(
  fetcher: typeof fetch,
  provider: Provider,
  request: UpstreamRequest,
  firstByteMs: number,
  requestId: string,
): Promise<{ response: Response; controller: AbortController }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new UpstreamTimeout("first byte")), firstByteMs);
  try {
    const response = await fetcher(request.url, { ...request.init, signal: controller.signal });
    return { response, controller };
  } catch (error) {
    const timedOut = controller.signal.aborted && controller.signal.reason instanceof UpstreamTimeout;
    log("warn", "upstream failed", {
      request_id: requestId,
      provider,
      error: timedOut ? "timeout" : error instanceof Error ? error.name : "unknown",
    });
    if (timedOut) {
      throw new ApiError(
        "PROVIDER_TIMEOUT",
        `${providerName[provider]} did not answer within ${firstByteMs} ms. Nothing was charged.`,
      );
    }
    throw new ApiError("PROVIDER_ERROR", `${providerName[provider]} could not be reached. Nothing was charged.`);
  } finally {
    clearTimeout(timer);
  }
}
