import type { Bindings, Config } from "./env.ts";
import type { Services } from "./lib/types.ts";
import { pricingConfig } from "./metering/pricing.ts";
import { createDurableObjectStore } from "./stores/durable-object/store.ts";

const built = new WeakMap<object, Services>();

/** Builds the clients once per bindings object (once per isolate in production). */
export function servicesFor(bindings: Bindings, config: Config): Services {
  let services = built.get(bindings);
  if (!services) {
    services = {
      store: createDurableObjectStore(bindings),
      now: () => Date.now(),
      pricing: pricingConfig(config),
    };
    built.set(bindings, services);
  }
  return services;
}
