import { Redis } from "@upstash/redis/cloudflare";
import { createPayPalBilling } from "./billing/paypal.ts";
import { PlanTable } from "./billing/plans.ts";
import { createStripeBilling } from "./billing/stripe.ts";
import { type Bindings, type Config, SECRET_VARS } from "./env.ts";
import { KeyCache } from "./lib/key-cache.ts";
import { createScrubber } from "./lib/scrub.ts";
import type { Services } from "./lib/types.ts";
import type { LedgerQueue } from "./metering/ledger-queue.ts";
import { pricingConfig } from "./metering/pricing.ts";
import { Providers } from "./providers/registry.ts";
import { createDurableObjectStore } from "./stores/durable-object/store.ts";
import type { Store } from "./stores/ports.ts";
import { createRedisStore } from "./stores/redis/store.ts";

/** Each store request gets this long; with one retry a dead store answers 503 well inside 2 s. */
export const STORE_REQUEST_TIMEOUT_MS = 600;

function storeFor(bindings: Bindings, config: Config): Store {
  if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN) {
    const redis = new Redis({
      url: config.UPSTASH_REDIS_REST_URL,
      token: config.UPSTASH_REDIS_REST_TOKEN,
      retry: { retries: 1, backoff: () => 50 },
      automaticDeserialization: false,
      signal: () => AbortSignal.timeout(STORE_REQUEST_TIMEOUT_MS),
    });
    return createRedisStore(redis);
  }
  return createDurableObjectStore(bindings);
}

function ledgerQueueOf(bindings: Bindings): { ledgerQueue?: LedgerQueue } {
  const queue = bindings.LEDGER_QUEUE;
  return queue
    ? {
        ledgerQueue: {
          send: async (message, options) => {
            await queue.send(message, options);
          },
        },
      }
    : {};
}

const built = new WeakMap<object, Services>();

/** Builds the clients once per bindings object (once per isolate in production). */
export function servicesFor(bindings: Bindings, config: Config): Services {
  let services = built.get(bindings);
  if (!services) {
    const scrub = createScrubber(SECRET_VARS.map((name) => config[name]));
    // Looked up at call time, so the runtime's (or a test's) current fetch is the one used.
    const upstreamFetch: typeof fetch = (input, init) => fetch(input, init);
    services = {
      store: storeFor(bindings, config),
      now: () => Date.now(),
      pricing: pricingConfig(config),
      providers: new Providers(config, upstreamFetch, scrub),
      plans: new PlanTable(config.PLANS),
      keyCache: new KeyCache(config.KEY_CACHE_TTL_MS),
      ...ledgerQueueOf(bindings),
      stripe: createStripeBilling(config, upstreamFetch),
      paypal: createPayPalBilling(config, { fetch: upstreamFetch, now: () => Date.now(), scrub }),
    };
    built.set(bindings, services);
  }
  return services;
}
