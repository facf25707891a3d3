import type { Context } from "hono";
import type { CallContext } from "../metering/call-context.ts";
import { limitsFor } from "../metering/rate-limit.ts";
import type { HonoEnv } from "./types.ts";

/** The metered path's view of a request: caller, services, limits, the client's signal. */
export function callContext(c: Context<HonoEnv>): CallContext {
  const { caller, requestId, services, config } = c.var;
  return {
    caller,
    requestId,
    deps: services,
    firstByteMs: config.UPSTREAM_TIMEOUT_MS,
    idleMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
    rapidApiBillingObject: config.RAPIDAPI_BILLING_OBJECT,
    limits: limitsFor(services.plans, caller),
    onRateWindow: (window) => c.set("rateWindow", window),
    ...(c.req.raw.signal ? { clientSignal: c.req.raw.signal } : {}),
    waitUntil(promise) {
      try {
        c.executionCtx.waitUntil(promise);
      } catch {
        // app.request() in tests has no execution context: the promise still runs, without the extension.
      }
    },
  };
}
