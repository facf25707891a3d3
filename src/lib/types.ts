import type { OpenAPIHono, RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { PayPalBilling } from "../billing/paypal.ts";
import type { PlanTable } from "../billing/plans.ts";
import type { StripeBilling } from "../billing/stripe.ts";
import type { Bindings, Config } from "../env.ts";
import type { LedgerQueue } from "../metering/ledger-queue.ts";
import type { PricingConfig } from "../metering/pricing.ts";
import type { Providers } from "../providers/registry.ts";
import type { RateWindow } from "../stores/limit-ports.ts";
import type { Store } from "../stores/ports.ts";
import type { Caller } from "./caller.ts";
import type { KeyCache } from "./key-cache.ts";

export type { Caller } from "./caller.ts";

/** Clients built once per isolate by the init middleware; handlers never construct their own. */
export interface Services {
  store: Store;
  now: () => number;
  /** MARGIN_MULTIPLIER and STRIPE_PRICE_USD_PER_CREDIT as exact ratios. */
  pricing: PricingConfig;
  /** The configured provider modules. */
  providers: Providers;
  /** The deployment's plans (PLANS, or the default table). */
  plans: PlanTable;
  /** Call endings the store could not take, applied when it is back (the LEDGER_QUEUE binding). */
  ledgerQueue?: LedgerQueue;
  /** Key hash → account mapping, for KEY_CACHE_TTL_MS (the account re-checks every key). */
  keyCache: KeyCache;
  /** Checkout and webhook verification (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET). */
  stripe: StripeBilling;
  /** PayPal orders, captures and webhook verification (PAYPAL_*); caches its OAuth token per isolate. */
  paypal: PayPalBilling;
}

export interface AppVariables {
  requestId: string;
  config: Config;
  services: Services;
  caller: Caller;
  /** The request window this request was counted in (set by the rate limiter or the call's hold). */
  rateWindow?: RateWindow;
}

/** Declared once: every router, middleware and handler is typed against it. */
export interface HonoEnv {
  Bindings: Bindings;
  Variables: AppVariables;
}

export type AppOpenAPI = OpenAPIHono<HonoEnv>;
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, HonoEnv>;
