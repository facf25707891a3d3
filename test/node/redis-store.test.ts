import { Redis } from "@upstash/redis/cloudflare";
import { afterAll, beforeAll, describe } from "vitest";
import { createRedisStore } from "../../src/stores/redis/store.ts";
import { storeContract } from "../contract/store.contract.ts";
import { type FoundRedis, findRedis, startUpstashLocal, type UpstashLocal } from "./helpers/redis.ts";

/**
 * The store contract against the Redis adapter, through the production @upstash/redis client,
 * the local Upstash REST endpoint and a real redis-server. Each run uses its own key prefix.
 */
const found: FoundRedis | null = await findRedis();
let endpoint: UpstashLocal | undefined;
let ran = 0;

describe.skipIf(!found)("redis store", () => {
  beforeAll(async () => {
    endpoint = await startUpstashLocal({ redisUrl: found?.url });
  });
  afterAll(async () => {
    await endpoint?.close();
    await found?.stop();
    process.stdout.write(`\nredis: ${ran} tests ran\n`);
  });

  const prefix = `test:${crypto.randomUUID()}:`;
  storeContract("redis", () => {
    ran++;
    const redis = new Redis({
      url: endpoint?.url as string,
      token: endpoint?.token as string,
      retry: false,
      automaticDeserialization: false,
    });
    return createRedisStore(redis, prefix);
  });
});
