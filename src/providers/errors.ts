import { ApiError } from "../lib/errors.ts";
import type { Scrubber } from "../lib/scrub.ts";

/** What a provider's error body says, as its extractor reads it. */
export interface UpstreamErrorDetail {
  /** The provider's own words: shown to the client only for errors in the client's request. */
  message?: string;
  /** The request field at fault, when the provider names one. */
  param?: string;
  /** The gateway's provider account ran out of credit or quota: not the client's fault. */
  quota?: boolean;
  /** The provider refused the gateway's credentials (some send these as 400). */
  credentials?: boolean;
  /**
   * The provider refused what the request asks for, whatever the status (Stability's 403
   * `content_moderation`, a voice that does not exist): the client's to change, so a 400 with
   * the provider's words.
   */
  refused?: boolean;
  /** Seconds to wait, when the body says (Gemini's RetryInfo). */
  retryAfterSeconds?: number;
}

/** Reads a provider's error body; each provider module keeps one. */
export type ErrorExtractor = (status: number, body: string) => UpstreamErrorDetail;

/** A JSON body, or undefined. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function retryAfter(detail: UpstreamErrorDetail, headers: Headers): string {
  const ms = Number(headers.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return String(Math.ceil(ms / 1000));
  const seconds = Number(headers.get("retry-after"));
  if (Number.isFinite(seconds) && seconds > 0) return String(Math.ceil(seconds));
  if (detail.retryAfterSeconds !== undefined && detail.retryAfterSeconds > 0) {
    return String(Math.ceil(detail.retryAfterSeconds));
  }
  return "1";
}

/**
 * The one policy for upstream errors, every provider (DESIGN "Errors"): a client's bad request
 * is 400 with the provider's (scrubbed) words; everything else is the gateway's own words, so a
 * masked provider key, the operator's billing state or an internal message never reaches a
 * client. Nothing is charged for any of them.
 */
export function upstreamError(
  providerName: string,
  status: number,
  detail: UpstreamErrorDetail,
  headers: Headers,
  scrub: Scrubber,
): ApiError {
  const refusal = () => {
    const words = scrub(detail.message ?? "invalid request");
    return new ApiError("INVALID_REQUEST", `${providerName} refused the request: ${words}`, {
      ...(detail.param ? { param: scrub(detail.param) } : {}),
    });
  };
  // Only a provider's own outage, overload or timeout may heal on a retry: its refusal of the
  // gateway's key, an exhausted quota or an unknown model is the operator's to fix. The extractor's
  // reading wins over the status: ElevenLabs sends an exhausted quota as 401, Stability a
  // moderated prompt as 403. A refused key is never shown as the client's fault.
  const credentials = () =>
    new ApiError("PROVIDER_ERROR", `${providerName} refused the gateway's credentials. Nothing was charged.`, {
      retry: false,
    });
  if (detail.credentials) return credentials();
  if (detail.refused) return refusal();
  if (detail.quota || status === 402) {
    return new ApiError("PROVIDER_ERROR", `${providerName} cannot serve the gateway right now. Nothing was charged.`, {
      retry: false,
    });
  }
  if (status === 401 || status === 403) return credentials();
  if (status === 400 || status === 413 || status === 422) return refusal();
  if (status === 429) {
    return new ApiError(
      "PROVIDER_RATE_LIMITED",
      `${providerName} is rate limiting the gateway; retry after the delay given.`,
      {
        headers: { "retry-after": retryAfter(detail, headers) },
      },
    );
  }
  if (status === 404) {
    return new ApiError("PROVIDER_ERROR", `${providerName} does not serve this model right now. Nothing was charged.`, {
      retry: false,
    });
  }
  if (status === 408 || status === 504) {
    return new ApiError("PROVIDER_TIMEOUT", `${providerName} timed out. Nothing was charged; retry later.`);
  }
  const retry = status >= 500;
  return new ApiError(
    "PROVIDER_ERROR",
    `${providerName} answered ${status}. Nothing was charged${retry ? "; retry later" : ""}.`,
    { retry },
  );
}
