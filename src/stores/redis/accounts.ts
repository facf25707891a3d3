import type { Redis } from "@upstash/redis/cloudflare";
import type { AccountInfo, AccountSource, Accounts, KeyIndex } from "../ports.ts";
import * as lua from "./key-scripts.ts";
import { admitted, clock, fieldMap, keyRecordFrom, keyRecordsFrom, presentedArgs, type Reply } from "./records.ts";

export interface RedisLayout {
  /** An account's keys, all under the hash tag `{a:<id>}`. */
  account(id: string): {
    acct: string;
    ledger: string;
    idem: string;
    holds: string;
    hexp: string;
    keys: string;
    keystate: string;
    daily: string;
    /** Rate limits: the request window and RapidAPI calls in flight. */
    rl: string;
    inflight: string;
    pay: string;
    pevents: string;
    owing: string;
  };
  /** The key index entry of a key hash. */
  keyOf(hash: string): string;
  /** The per-day aggregates of a UTC day (src/stores/redis/analytics-scripts.ts), under the hash tag `{an}`. */
  analytics(day: string): { usage: string; money: string; accounts: string };
  reach<T>(op: string, call: () => Promise<T>): Promise<T>;
}

export function redisKeyIndex(redis: Redis, { keyOf, reach }: RedisLayout): KeyIndex {
  const scripts = {
    lookup: redis.createScript<Reply[] | null>(lua.KEY_LOOKUP),
    claim: redis.createScript<Reply[]>(lua.KEY_CLAIM),
    revoke: redis.createScript<number>(lua.KEY_REVOKE),
  };
  return {
    lookup: (hash) =>
      reach("keys.lookup", async () => {
        const reply = await scripts.lookup.exec([keyOf(hash)], []);
        if (!reply) return null;
        const [account_id, key_id, revoked] = reply as [string, string, string];
        return { account_id, key_id, revoked: revoked === "1" };
      }),
    claim: (hash, candidate, now) =>
      reach("keys.claim", async () => {
        const reply = await scripts.claim.exec([keyOf(hash)], [candidate.account_id, candidate.key_id, String(now)]);
        const [account_id, key_id, revoked, created] = reply as [string, string, string, string];
        return { mapping: { account_id, key_id, revoked: revoked === "1" }, created: created === "1" };
      }),
    revoke: (hash, now) =>
      reach("keys.revoke", async () => {
        await scripts.revoke.exec([keyOf(hash)], [String(now)]);
      }),
  };
}

export function redisAccounts(redis: Redis, { account, reach }: RedisLayout): Accounts {
  const scripts = {
    create: redis.createScript<Reply[]>(lua.CREATE_ACCOUNT),
    addKey: redis.createScript<Reply[]>(lua.ADD_KEY),
    listKeys: redis.createScript<[string, string[], string[]]>(lua.LIST_KEYS),
    rotateKey: redis.createScript<Reply[]>(lua.ROTATE_KEY),
    revokeKey: redis.createScript<Reply[]>(lua.REVOKE_KEY),
  };
  return {
    create: (info, now) =>
      reach("accounts.create", async () => {
        const k = account(info.id);
        const [id, source, plan, createdAt] = (await scripts.create.exec(
          [k.acct],
          [info.id, info.source, info.plan ?? "", String(now)],
        )) as [string, AccountSource, Reply, string];
        return { id, source, plan, created_at: Number(createdAt) };
      }),
    get: (id) =>
      reach("accounts.get", async () => {
        // Without automatic deserialization HMGET comes back as an array in field order.
        const row = (await redis.hmget(account(id).acct, "id", "source", "plan", "created_at")) as unknown as
          | Reply[]
          | null;
        const [found, source, plan, createdAt] = row ?? [];
        if (!found) return null;
        const info: AccountInfo = {
          id: found,
          source: source as AccountSource,
          plan: plan ?? null,
          created_at: Number(createdAt),
        };
        return info;
      }),
    addKey: (accountId, key, now, presented) =>
      reach("accounts.addKey", async () => {
        const k = account(accountId);
        const record = JSON.stringify({ ...key, created_at: now, revoked_at: null });
        const reply = admitted(
          await scripts.addKey.exec(
            [k.acct, k.keys, k.keystate],
            [key.id, record, accountId, String(now), key.hash, key.prefix, ...presentedArgs(presented)],
          ),
        );
        return keyRecordFrom(accountId, reply.slice(1));
      }),
    listKeys: (accountId, presented) =>
      reach("accounts.listKeys", async () => {
        const k = account(accountId);
        const [, keys, state] = admitted(
          await scripts.listKeys.exec([k.keys, k.keystate], [clock(), ...presentedArgs(presented)]),
        );
        return keyRecordsFrom(accountId, fieldMap(keys), fieldMap(state));
      }),
    rotateKey: (accountId, keyId, next, presented) =>
      reach("accounts.rotateKey", async () => {
        const k = account(accountId);
        const reply = admitted(
          await scripts.rotateKey.exec(
            [k.keys, k.keystate],
            [keyId, next.prefix, next.hash, clock(), ...presentedArgs(presented)],
          ),
        );
        if (reply[0] !== "rotated") return null;
        return { key: keyRecordFrom(accountId, reply.slice(2)), old_hash: reply[1] as string };
      }),
    revokeKey: (accountId, keyId, now, presented) =>
      reach("accounts.revokeKey", async () => {
        const k = account(accountId);
        const reply = admitted(
          await scripts.revokeKey.exec([k.keys, k.keystate], [keyId, String(now), ...presentedArgs(presented)]),
        );
        return reply[0] === "revoked" ? keyRecordFrom(accountId, reply.slice(1)) : null;
      }),
  };
}
