// A Worker used only by scripts/bench-store.ts: it runs the Durable Object store's money operations
// inside workerd and counts the calls that reach a Durable Object (one call = one round trip).
import { AccountObject } from "../../src/stores/durable-object/account-object.ts";
import { AnalyticsObject } from "../../src/stores/durable-object/analytics-object.ts";
import { KeyObject } from "../../src/stores/durable-object/key-object.ts";
import { createDurableObjectStore, type DurableObjectBindings } from "../../src/stores/durable-object/store.ts";
import { runStoreBench } from "./store-bench.ts";

export { AccountObject, AnalyticsObject, KeyObject };

function counting<T extends DurableObjectNamespace<never>>(namespace: T, counter: { calls: number }): T {
  return {
    idFromName: (name: string) => namespace.idFromName(name),
    get: (id: DurableObjectId) =>
      new Proxy(namespace.get(id) as object, {
        get(target, property) {
          const value = Reflect.get(target, property);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            counter.calls++;
            return Reflect.apply(value, target, args);
          };
        },
      }),
  } as unknown as T;
}

export default {
  async fetch(request: Request, env: DurableObjectBindings): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const counter = { calls: 0 };
    const store = createDurableObjectStore({
      ACCOUNTS: counting(env.ACCOUNTS as never, counter),
      KEYS: counting(env.KEYS as never, counter),
      ANALYTICS: env.ANALYTICS,
    } as DurableObjectBindings);
    const result = await runStoreBench(store, counter, Number(params.get("n") ?? 200), [1, 64], () => Date.now());
    return Response.json(result);
  },
};
