import type { Context, MiddlewareHandler } from "hono";
import { ApiError, errorResponse } from "../lib/errors.ts";
import type { HonoEnv } from "../lib/types.ts";
import { limitsFor, rateLimited, rateLimitHeaders } from "../metering/rate-limit.ts";
import type { RateResult } from "../stores/limit-ports.ts";

/**
 * The metered routes: their call's one store step (the hold, or a RapidAPI subscriber's in-flight
 * marker) checks and counts the rate limits, so the limiter adds no round trip to them. A test
 * holds this list to the routes whose contract can answer 402 (test/routes/rate-limits.test.ts).
 */
const METERED = new Set([
  "/v1/chat/completions",
  "/v1/chat",
  "/v1/images/generations",
  "/v1/audio/speech",
  "/v1/audio/music",
]);

export function isMetered(method: string, path: string): boolean {
  return method === "POST" && METERED.has(path.length > 1 ? path.replace(/\/+$/, "") : path);
}

function withHeaders(c: Context<HonoEnv>, headers: Record<string, string>): void {
  const set = (target: Headers) => {
    for (const [name, value] of Object.entries(headers)) target.set(name, value);
  };
  try {
    set(c.res.headers);
  } catch {
    // An answer with immutable headers (fetched from elsewhere): copy it once.
    c.res = new Response(c.res.body, c.res);
    set(c.res.headers);
  }
}

/**
 * Rate limits on every authenticated `/v1/*` route, per account and plan (DESIGN "Billing, plans
 * and rate limits"). A route that is not metered makes one limiter step before its handler; a
 * metered one is counted by its hold (or, answered before it, just after). Over the limit: 429
 * RATE_LIMITED with Retry-After. Every answer then carries the `x-ratelimit-*` headers of the window it was counted in (the auth
 * middleware strips them from RapidAPI answers: RapidAPI's own rate-limit headers are RapidAPI's).
 */
export function rateLimit(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const { caller, services } = c.var;
    const limits = limitsFor(services.plans, caller);
    const hit = () => services.store.limits.hit(caller.account_id, limits, services.now(), caller.key);
    const metered = isMetered(c.req.method, c.req.path);
    if (!metered) {
      const result = await hit();
      if (result.status === "rate_limited") throw rateLimited(result);
      c.set("rateWindow", result.window);
    }
    await next();
    if (metered && !c.var.rateWindow && !(c.error instanceof ApiError && c.error.code === "RATE_LIMITED")) {
      await countUnheldCall(c, hit);
    }
    const window = c.var.rateWindow;
    // A refusal already carries its own numbers; every other answer gets the window's.
    if (window && !c.res.headers.has("x-ratelimit-limit-requests")) withHeaders(c, rateLimitHeaders(window));
  };
}

/**
 * A metered request answered before its store step counted it (invalid, unknown model, not enough
 * credits): still a request, so it is counted now, off the success path. Over the limit, the answer
 * is the 429 it would have been had the limiter run first. A store that fails here changes nothing.
 */
async function countUnheldCall(c: Context<HonoEnv>, hit: () => Promise<RateResult>): Promise<void> {
  let result: RateResult;
  try {
    result = await hit();
  } catch {
    return;
  }
  if (result.status === "rate_limited") {
    const error = rateLimited(result);
    c.error = error;
    c.res = errorResponse(error, c.var.requestId);
    return;
  }
  c.set("rateWindow", result.window);
}
