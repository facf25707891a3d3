import type { z } from "zod";
import type { Config } from "../env.ts";
import { ApiError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import type { Scrubber } from "../lib/scrub.ts";
import { ErrorSchema, TokenSchema } from "./paypal.api-types.ts";

/** A token is used until this long before PayPal says it expires (at most half its life). */
const TOKEN_MARGIN_MS = 60_000;

export type Answer = { status: number; body: unknown };
export type Call = { method: "GET" | "POST"; path: string; body?: string; headers?: Record<string, string> };

export interface PayPalDeps {
  fetch: typeof fetch;
  now: () => number;
  scrub: Scrubber;
}

export const notConfigured = (variable: string) =>
  new ApiError("BILLING_NOT_CONFIGURED", `PayPal is not configured on this gateway (${variable} is not set).`);

export interface PayPalHttp {
  /** A call with the cached OAuth token; a 401 gets one fresh token and one retry. */
  api(op: string, call: Call): Promise<Answer>;
  /** The answer's body in the schema, when it is a success; else the failure as the gateway's code. */
  expect<T extends z.ZodType>(op: string, answer: Answer, schema: T): z.infer<T>;
  /** Logs PayPal's failure (scrubbed) and maps it to PROVIDER_ERROR, PROVIDER_TIMEOUT or PROVIDER_RATE_LIMITED. */
  failure(op: string, answer: Answer | null, cause?: unknown): ApiError;
}

/** A body that is not JSON (an HTML error page, nothing) reads as null: the schema check then fails. */
function parseJson(text: string): unknown {
  try {
    return text === "" ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

/** PayPal's REST transport: JSON over fetch with the client-credentials token, cached until it expires. */
export function createPayPalHttp(config: Config, deps: PayPalDeps): PayPalHttp {
  const base = config.PAYPAL_BASE_URL;
  const id = config.PAYPAL_CLIENT_ID;
  const secret = config.PAYPAL_CLIENT_SECRET;
  let token: { value: string; expiresAt: number } | null = null;
  let pending: Promise<string> | null = null;

  function failure(op: string, answer: Answer | null, cause?: unknown): ApiError {
    const parsed = ErrorSchema.safeParse(answer?.body);
    const detail = parsed.success ? parsed.data : {};
    log("error", "paypal request failed", {
      op,
      status: answer?.status ?? null,
      name: deps.scrub(detail.name ?? detail.error ?? ""),
      issue: deps.scrub(detail.details?.[0]?.issue ?? ""),
      debug_id: detail.debug_id ?? null,
      error: cause === undefined ? undefined : deps.scrub(String(cause)),
    });
    if (answer?.status === 429) {
      return new ApiError("PROVIDER_RATE_LIMITED", "PayPal is rate limiting the gateway; retry shortly.");
    }
    if (answer === null && cause instanceof Error && cause.name === "TimeoutError") {
      // PayPal may have done the work: a retry is safe (the same PayPal-Request-Id answers the same result).
      return new ApiError(
        "PROVIDER_TIMEOUT",
        "PayPal did not answer in time; nothing was granted yet. Retry shortly: a retry is safe.",
      );
    }
    // 409: a request with the same PayPal-Request-Id is still being processed.
    const healing = answer === null || answer.status >= 500 || answer.status === 409;
    return new ApiError(
      "PROVIDER_ERROR",
      healing
        ? "PayPal could not be reached or failed; nothing was charged or granted. Retry shortly."
        : "PayPal refused the gateway's request; the operator must check the PayPal configuration.",
      { retry: healing },
    );
  }

  async function send(op: string, call: Call, authorization: string): Promise<Answer> {
    try {
      const res = await deps.fetch(`${base}${call.path}`, {
        method: call.method,
        headers: { authorization, accept: "application/json", ...call.headers },
        ...(call.body === undefined ? {} : { body: call.body }),
        signal: AbortSignal.timeout(config.UPSTREAM_TIMEOUT_MS),
      });
      // The timeout covers the body too: one that stalls or breaks mid-way is a failure to reach PayPal.
      const text = await res.text();
      return { status: res.status, body: parseJson(text) };
    } catch (error) {
      throw failure(op, null, error);
    }
  }

  async function fetchToken(): Promise<string> {
    const basic = btoa(`${id}:${secret}`);
    const answer = await send(
      "oauth2.token",
      {
        method: "POST",
        path: "/v1/oauth2/token",
        body: "grant_type=client_credentials",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      },
      `Basic ${basic}`,
    );
    const parsed = TokenSchema.safeParse(answer.body);
    if (answer.status !== 200 || !parsed.success) throw failure("oauth2.token", answer);
    const lifetime = parsed.data.expires_in * 1000;
    token = {
      value: parsed.data.access_token,
      expiresAt: deps.now() + lifetime - Math.min(TOKEN_MARGIN_MS, lifetime / 2),
    };
    return token.value;
  }

  function accessToken(): Promise<string> {
    if (id === undefined) throw notConfigured("PAYPAL_CLIENT_ID");
    if (secret === undefined) throw notConfigured("PAYPAL_CLIENT_SECRET");
    if (token && deps.now() < token.expiresAt) return Promise.resolve(token.value);
    // Concurrent requests of an isolate share one token request.
    pending ??= fetchToken().finally(() => {
      pending = null;
    });
    return pending;
  }

  // A token revoked or expired early answers 401: one fresh token, one retry.
  async function api(op: string, call: Call): Promise<Answer> {
    const answer = await send(op, call, `Bearer ${await accessToken()}`);
    if (answer.status !== 401) return answer;
    token = null;
    const retried = await send(op, call, `Bearer ${await accessToken()}`);
    if (retried.status === 401) throw failure(op, retried);
    return retried;
  }

  function expect<T extends z.ZodType>(op: string, answer: Answer, schema: T): z.infer<T> {
    if (answer.status === 429 || answer.status >= 300) throw failure(op, answer);
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) throw failure(op, { status: 502, body: null }, "unexpected answer shape");
    return parsed.data;
  }

  return { api, expect, failure };
}
