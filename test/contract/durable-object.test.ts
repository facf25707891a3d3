import { env, runInDurableObject } from "cloudflare:test";
import type { AccountObject } from "../../src/stores/durable-object/account-object.ts";
import { createDurableObjectStore } from "../../src/stores/durable-object/store.ts";
import { storeContract } from "./store.contract.ts";
import { holdsContract } from "./store-holds.contract.ts";

storeContract("durable-object", () => createDurableObjectStore(env));

holdsContract(
  "durable-object",
  () => createDurableObjectStore(env),
  async (accountId) => {
    // What the account's alarm does when its earliest hold expires.
    const stub = env.ACCOUNTS.get(env.ACCOUNTS.idFromName(accountId));
    await runInDurableObject(stub, (instance: AccountObject) => instance.alarm());
  },
);
