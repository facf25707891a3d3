import type { MiddlewareHandler } from "hono";
import type { HonoEnv } from "../lib/types.ts";

/** Answer headers a browser client may read: ids, credits, rate limits and retry hints. */
const EXPOSED = [
  "x-request-id",
  "x-credits-charged",
  "x-credits-remaining",
  "x-ratelimit-limit-requests",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-reset-requests",
  "retry-after",
  "retry-after-ms",
  "x-should-retry",
].join(", ");

const METHODS = "GET, HEAD, POST, DELETE";
/** What the openai SDK and a dashboard send. Admin secrets are not for other origins. */
const ALLOWED_HEADERS = new Set(["authorization", "content-type", "x-api-key", "idempotency-key", "x-request-id"]);
const ALLOWED_PREFIXES = ["x-stainless-", "openai-"];
const MAX_AGE_SECONDS = "7200";

const allowedHeader = (name: string) =>
  ALLOWED_HEADERS.has(name) || ALLOWED_PREFIXES.some((prefix) => name.startsWith(prefix));

/**
 * CORS for the origins in CORS_ORIGINS (none when unset; the gateway's own pages need none).
 * Runs before auth, so a preflight is answered 204 instead of 401, and after every other
 * step, so error answers carry the headers too and a browser can read the envelope.
 */
export function cors(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const configured = c.var.config.CORS_ORIGINS;
    if (configured.length === 0) return next();
    const origin = c.req.header("origin");
    const any = configured.includes("*");
    const allowed = origin !== undefined && (any || configured.includes(origin));
    const allowOrigin = any ? "*" : (origin ?? "");
    const vary = any ? undefined : "Origin";

    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined) {
      const headers = new Headers();
      if (vary) headers.set("vary", vary);
      if (allowed) {
        headers.set("access-control-allow-origin", allowOrigin);
        headers.set("access-control-allow-methods", METHODS);
        const requested = (c.req.header("access-control-request-headers") ?? "")
          .split(",")
          .map((name) => name.trim().toLowerCase())
          .filter(allowedHeader);
        if (requested.length > 0) headers.set("access-control-allow-headers", requested.join(", "));
        headers.set("access-control-max-age", MAX_AGE_SECONDS);
      }
      return new Response(null, { status: 204, headers });
    }

    await next();
    if (vary) c.header("vary", vary, { append: true });
    if (allowed) {
      c.header("access-control-allow-origin", allowOrigin);
      c.header("access-control-expose-headers", EXPOSED);
    }
  };
}
