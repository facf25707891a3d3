import { env } from "cloudflare:test";
import { buildApp } from "../../src/app.ts";
import { BASE } from "./gateway.ts";

/** Runs around every call that reaches a Durable Object (one call, one store round trip). */
export type AroundStoreCall = (method: string, call: () => Promise<unknown>) => Promise<unknown>;

export function intercepted<T extends DurableObjectNamespace<never>>(namespace: T, around: AroundStoreCall): T {
  return new Proxy(namespace, {
    get(target, property) {
      const own = Reflect.get(target, property);
      if (property !== "get") return typeof own === "function" ? own.bind(target) : own;
      return (id: DurableObjectId) =>
        new Proxy(target.get(id) as object, {
          get(stub, method) {
            const value = Reflect.get(stub, method);
            if (typeof value !== "function") return value;
            return (...args: unknown[]) => around(String(method), async () => Reflect.apply(value, stub, args));
          },
        });
    },
  });
}

const app = buildApp();
const passThrough: AroundStoreCall = (_, call) => call();

/**
 * The real gateway on the real Durable Objects (the same state `gw` sees), with a hook around each
 * call to the account objects and to the key index. Fresh bindings build a fresh store, so nothing
 * cached in the isolate hides a call.
 */
export function gatewayWith(
  hooks: { accounts?: AroundStoreCall; keys?: AroundStoreCall },
  vars: Record<string, string> = {},
) {
  const bindings = {
    ...env,
    ...vars,
    ACCOUNTS: intercepted(env.ACCOUNTS as never, hooks.accounts ?? passThrough),
    KEYS: intercepted(env.KEYS as never, hooks.keys ?? passThrough),
  };
  return (path: string, init?: RequestInit) => app.request(`${BASE}${path}`, init, bindings);
}

/** One request through the gateway, with the store operations it made, in order. */
export async function countedRequest(path: string, init?: RequestInit): Promise<{ res: Response; calls: string[] }> {
  const calls: string[] = [];
  const count: AroundStoreCall = (method, call) => {
    calls.push(method);
    return call();
  };
  const res = await gatewayWith({ accounts: count, keys: count })(path, init);
  return { res, calls };
}

/**
 * A gateway on one set of bindings, so its services (and the isolate's key cache) live across
 * requests, as in production; `calls` records every store operation, in order.
 */
export function countingGateway(vars: Record<string, string> = {}): {
  request: (path: string, init?: RequestInit) => Response | Promise<Response>;
  calls: string[];
} {
  const calls: string[] = [];
  const count: AroundStoreCall = (method, call) => {
    calls.push(method);
    return call();
  };
  return { request: gatewayWith({ accounts: count, keys: count }, vars), calls };
}
