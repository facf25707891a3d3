import type { MiddlewareHandler } from "hono";
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
