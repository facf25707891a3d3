import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type Bindings, loadEnv } from "../env.ts";
import { ApiError } from "../lib/errors.ts";
import type { HonoEnv } from "../lib/types.ts";
import { servicesFor } from "../services.ts";

/** Validates the environment and builds the clients (once per isolate): `c.var.config`, `c.var.services`. */
export function init(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const env = loadEnv(c.env ?? {});
    if (!env.ok) {
      throw new ApiError(
        "BAD_ENVIRONMENT",
        `The gateway is misconfigured: ${env.problems.join("; ")}. The operator must fix these variables.`,
      );
    }
    c.set("config", env.config);
    c.set("services", servicesFor(c.env as Bindings, env.config));
    await next();
  };
}

/**
 * Refuses bodies over MAX_BODY_BYTES. A declared Content-Length is judged before
 * a byte is read; a chunked body is counted as it arrives and cut off at the limit.
 */
export function limitBody(): MiddlewareHandler<HonoEnv> {
  return (c, next) => {
    const maxSize = c.var.config.MAX_BODY_BYTES;
    return bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError("PAYLOAD_TOO_LARGE", `The request body is larger than ${maxSize} bytes.`);
      },
    })(c, next);
  };
}
