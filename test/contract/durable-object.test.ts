import { env } from "cloudflare:test";
import { createDurableObjectStore } from "../../src/stores/durable-object/store.ts";
import { storeContract } from "./store.contract.ts";

storeContract("durable-object", () => createDurableObjectStore(env));
