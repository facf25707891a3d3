import { app } from "./app.ts";
import type { Bindings } from "./env.ts";

export { AccountObject } from "./stores/durable-object/account-object.ts";
export { KeyObject } from "./stores/durable-object/key-object.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Bindings>;
