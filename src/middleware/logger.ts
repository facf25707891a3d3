import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { log } from "../lib/log.ts";
import type { HonoEnv } from "../lib/types.ts";

/** The route pattern, not the raw path: paths can carry ids, patterns cannot. */
function routeOf(c: Context<HonoEnv>): string {
  const handler = matchedRoutes(c).findLast((route) => route.method !== "ALL");
  return handler?.path ?? "unmatched";
}

export function requestLogger(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    log("info", "request", {
      method: c.req.method,
      route: routeOf(c),
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      request_id: c.var.requestId,
    });
  };
}
