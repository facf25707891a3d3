import type { OpenAPIHono, RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Bindings, Config } from "../env.ts";
import type { PricingConfig } from "../metering/pricing.ts";
import type { AccountSource, PresentedKey, Store } from "../stores/ports.ts";

/** Who is calling, as established by the auth middleware. */
export interface Caller {
  account_id: string;
  source: AccountSource;
  /** RapidAPI subscription plan (X-RapidAPI-Subscription); null for key holders. */
  plan: string | null;
  /**
   * The native key presented; account operations re-check it is still live (pass it as their `key`).
   * Null for RapidAPI callers.
   */
  key: PresentedKey | null;
}

/** Clients built once per isolate by the init middleware; handlers never construct their own. */
export interface Services {
  store: Store;
  now: () => number;
  /** MARGIN_MULTIPLIER and STRIPE_PRICE_USD_PER_CREDIT as exact ratios. */
  pricing: PricingConfig;
}

export interface AppVariables {
  requestId: string;
  config: Config;
  services: Services;
  caller: Caller;
}

/** Declared once: every router, middleware and handler is typed against it. */
export interface HonoEnv {
  Bindings: Bindings;
  Variables: AppVariables;
}

export type AppOpenAPI = OpenAPIHono<HonoEnv>;
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, HonoEnv>;
