import { OpenAPIHono } from "@hono/zod-openapi";
import type { ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { limitBody } from "../middleware/body-limit.ts";
import { cors } from "../middleware/cors.ts";
import { init } from "../middleware/init.ts";
import { requestLogger } from "../middleware/logger.ts";
import { newRequestId, requestId } from "../middleware/request-id.ts";
import { ApiError, codeForStatus, errorResponse } from "./errors.ts";
import { log } from "./log.ts";
import type { AppOpenAPI, HonoEnv } from "./types.ts";
import { defaultHook } from "./validation.ts";

/** A router for one API area; validation failures answer the one error envelope. */
export function createRouter(): AppOpenAPI {
  return new OpenAPIHono<HonoEnv>({ defaultHook });
}

export function createApp(): AppOpenAPI {
  // Not strict: `/v1/keys/` is routed as `/v1/keys`, never a 405 that lists the method used.
  const app = new OpenAPIHono<HonoEnv>({ defaultHook, strict: false });
  app.use(requestId(), requestLogger(), init(), cors(), limitBody());
  app.notFound(notFound(app));
  app.onError(onError);
  return app;
}

export const onError: ErrorHandler<HonoEnv> = (err, c) => {
  const id = c.var.requestId ?? newRequestId();
  if (err instanceof ApiError) {
    if (err.status >= 500) log("error", "request failed", { request_id: id, code: err.code });
    return errorResponse(err, id);
  }
  if (err instanceof HTTPException && err.status < 500) {
    // Hono raises these itself: malformed JSON (400), a body of the wrong media type (415).
    const message =
      err.status === 415
        ? `Unsupported Content-Type '${c.req.header("content-type") ?? ""}': send application/json.`
        : err.message || "Invalid request.";
    return errorResponse(new ApiError(codeForStatus(err.status), message), id);
  }
  log("error", "unhandled exception", {
    request_id: id,
    error: err instanceof Error ? err.name : typeof err,
    detail: err instanceof Error ? err.message : undefined,
    stack: err instanceof Error ? err.stack : undefined,
  });
  return errorResponse(
    new ApiError("INTERNAL_ERROR", `Internal error. Quote request id ${id} when you report it.`),
    id,
  );
};

type Matcher = { method: string; pattern: RegExp };
const matchers = new WeakMap<AppOpenAPI, Matcher[]>();

/** Compiles Hono route paths (`/v1/keys/:id`, `/docs/*`) so a miss can tell 404 from 405. */
function routeMatchers(app: AppOpenAPI): Matcher[] {
  let list = matchers.get(app);
  if (!list) {
    list = app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => {
        const source = route.path
          .split("/")
          .map((part) => {
            if (part === "*") return ".*";
            if (part.startsWith(":")) return "[^/]+";
            return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
          })
          .join("/");
        return { method: route.method, pattern: new RegExp(`^${source}/?$`) };
      });
    matchers.set(app, list);
  }
  return list;
}

function notFound(app: AppOpenAPI): NotFoundHandler<HonoEnv> {
  return (c) => {
    const id = c.var.requestId ?? newRequestId();
    const allowed = new Set(
      routeMatchers(app)
        .filter((m) => m.pattern.test(c.req.path))
        .map((m) => m.method),
    );
    if (allowed.size > 0) {
      if (allowed.has("GET")) allowed.add("HEAD");
      const allow = [...allowed].sort().join(", ");
      return errorResponse(
        new ApiError("METHOD_NOT_ALLOWED", `Method ${c.req.method} is not allowed on ${c.req.path}; use ${allow}.`, {
          headers: { allow },
        }),
        id,
      );
    }
    return errorResponse(
      new ApiError("NOT_FOUND", `No route ${c.req.method} ${c.req.path}. The API reference is at /docs.`),
      id,
    );
  };
}
