import type { OpenAPIHono, RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Bindings, Config } from "../env.ts";

export interface AppVariables {
  requestId: string;
  config: Config;
}

/** Declared once: every router, middleware and handler is typed against it. */
export interface HonoEnv {
  Bindings: Bindings;
  Variables: AppVariables;
}

export type AppOpenAPI = OpenAPIHono<HonoEnv>;
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, HonoEnv>;
