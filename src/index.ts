import { app } from "./app.ts";
import type { Bindings } from "./env.ts";
import { handleQueue } from "./queue.ts";

export { AccountObject } from "./stores/durable-object/account-object.ts";
export { KeyObject } from "./stores/durable-object/key-object.ts";
export { OpsObject } from "./stores/durable-object/ops-object.ts";

export default {
  fetch: app.fetch,
  queue: (batch, env) => handleQueue(batch, env),
} satisfies ExportedHandler<Bindings>;
