import type { MiddlewareHandler } from "hono";
import type { HonoEnv } from "../lib/types.ts";

/** An incoming id is kept only if it is short and plain, so it is safe in logs and headers. */
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function newRequestId(): string {
  return `req_${crypto.randomUUID().replaceAll("-", "")}`;
}

export function requestId(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const id = incoming !== undefined && WELL_FORMED.test(incoming) ? incoming : newRequestId();
    c.set("requestId", id);
    await next();
    c.header("x-request-id", id);
  };
}
