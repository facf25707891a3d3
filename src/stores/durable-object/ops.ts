import type { OpsObject } from "./ops-object.ts";

/** A queued call ending the ledger queue gave up on, kept for an operator (GET /admin/holds?stale=1). */
export interface DeadLetter {
  id: string;
  body: unknown;
  attempts: number;
  received_at: number;
}

export interface OpsBindings {
  OPS: DurableObjectNamespace<OpsObject>;
}

/** The one ops object. */
export const opsObject = (env: Partial<OpsBindings>) => {
  const ns = env.OPS;
  if (!ns) throw new Error("the OPS Durable Object binding is missing (wrangler.toml)");
  return ns.get(ns.idFromName("ops"));
};
