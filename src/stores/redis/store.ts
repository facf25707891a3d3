import type { Redis } from "@upstash/redis/cloudflare";
import { randomHex } from "../../lib/crypto.ts";
import { utcDay } from "../../lib/time.ts";
import type {
  AccountInfo,
  AccountSource,
  Accounts,
  Balance,
  CreditResult,
  DailyUsage,
  KeyIndex,
  KeyRecord,
  Ledger,
  LedgerEntry,
  LedgerReason,
  Store,
} from "../ports.ts";
import { reach as reachStore } from "../reach.ts";
import { classifyRedisError } from "./errors.ts";
import * as lua from "./scripts.ts";

const reach = <T>(op: string, call: () => Promise<T>) => reachStore("redis", op, call, classifyRedisError);

type Reply = string | null;
type StaticEntry = Omit<
  LedgerEntry,
  "account_id" | "amount_micros" | "balance_after_micros" | "uncollected_micros" | "seq"
>;

/** `seq|balance_after|amount|uncollected|json`, as the scripts write ledger members. */
function parseEntry(accountId: string, member: string): LedgerEntry {
  const parts: string[] = [];
  let rest = member;
  for (let i = 0; i < 4; i++) {
    const at = rest.indexOf("|");
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  const [seq, balanceAfter, amount, uncollected] = parts as [string, string, string, string];
  const fields = JSON.parse(rest) as StaticEntry;
  return {
    ...fields,
    account_id: accountId,
    amount_micros: Number(amount),
    balance_after_micros: Number(balanceAfter),
    uncollected_micros: uncollected === "" ? null : Number(uncollected),
    seq: Number(seq),
  };
}

function toBalance(accountId: string, [balance, held, unbilled]: Reply[]): Balance {
  return {
    account_id: accountId,
    balance_micros: Number(balance ?? 0),
    held_micros: Number(held ?? 0),
    unbilled_micros: Number(unbilled ?? 0),
  };
}

function entryJson(fields: {
  reason: LedgerReason;
  reference: string | null;
  created_at: number;
  request_id?: string | null;
  provider?: string | null;
  model?: string | null;
  usage?: Record<string, number> | null;
  cost_usd?: string | null;
}): string {
  const entry: StaticEntry = {
    id: `le_${randomHex(12)}`,
    reason: fields.reason,
    reference: fields.reference,
    created_at: fields.created_at,
    request_id: fields.request_id ?? null,
    provider: fields.provider ?? null,
    model: fields.model ?? null,
    usage: fields.usage ?? null,
    cost_usd: fields.cost_usd ?? null,
  };
  return JSON.stringify(entry);
}

/**
 * The Upstash Redis adapter. Every money operation is one Lua script (EVALSHA, falling back to
 * EVAL), so each costs one round trip. Keys live under `prefix`; an account's keys share the
 * hash tag `{a:<id>}` and a key index entry is `{k:<sha256>}`.
 */
export function createRedisStore(redis: Redis, prefix = "aib:"): Store {
  const scripts = {
    credit: redis.createScript<Reply[]>(lua.CREDIT),
    reserve: redis.createScript<Reply[]>(lua.RESERVE),
    settle: redis.createScript<Reply[]>(lua.SETTLE),
    release: redis.createScript<number>(lua.RELEASE),
    balance: redis.createScript<Reply[]>(lua.BALANCE),
    keyLookup: redis.createScript<Reply[] | null>(lua.KEY_LOOKUP),
    keyClaim: redis.createScript<Reply[]>(lua.KEY_CLAIM),
    keyRevoke: redis.createScript<number>(lua.KEY_REVOKE),
    addKey: redis.createScript<string>(lua.ADD_KEY),
    createAccount: redis.createScript<Reply[]>(lua.CREATE_ACCOUNT),
    rotateKey: redis.createScript<Reply[] | null>(lua.ROTATE_KEY),
    revokeKey: redis.createScript<string | null>(lua.REVOKE_KEY),
  };
  const account = (id: string) => {
    const base = `${prefix}{a:${id}}`;
    return {
      acct: `${base}:acct`,
      ledger: `${base}:ledger`,
      idem: `${base}:idem`,
      holds: `${base}:holds`,
      hexp: `${base}:hexp`,
      keys: `${base}:keys`,
      daily: `${base}:daily`,
    };
  };
  const keyOf = (hash: string) => `${prefix}{k:${hash}}`;
  const parseKey = (accountId: string, json: string): KeyRecord => ({
    ...(JSON.parse(json) as Omit<KeyRecord, "account_id">),
    account_id: accountId,
  });

  const keys: KeyIndex = {
    lookup: (hash, now) =>
      reach("keys.lookup", async () => {
        const reply = await scripts.keyLookup.exec([keyOf(hash)], [String(now)]);
        if (!reply) return null;
        const [account_id, key_id, revoked] = reply as [string, string, string];
        return { account_id, key_id, revoked: revoked === "1" };
      }),
    claim: (hash, candidate, now) =>
      reach("keys.claim", async () => {
        const reply = await scripts.keyClaim.exec([keyOf(hash)], [candidate.account_id, candidate.key_id, String(now)]);
        const [account_id, key_id, revoked, created] = reply as [string, string, string, string];
        return { mapping: { account_id, key_id, revoked: revoked === "1" }, created: created === "1" };
      }),
    revoke: (hash, now) =>
      reach("keys.revoke", async () => {
        await scripts.keyRevoke.exec([keyOf(hash)], [String(now)]);
      }),
    lastUsed: (hash) =>
      reach("keys.lastUsed", async () => {
        const value = await redis.hget<string>(keyOf(hash), "last_used_at");
        return value === null || value === undefined ? null : Number(value);
      }),
  };

  const accounts: Accounts = {
    create: (info, now) =>
      reach("accounts.create", async () => {
        const k = account(info.id);
        const [id, source, plan, createdAt] = (await scripts.createAccount.exec(
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
    addKey: (accountId, key, now) =>
      reach("accounts.addKey", async () => {
        const k = account(accountId);
        const record = JSON.stringify({ ...key, created_at: now, revoked_at: null });
        const stored = await scripts.addKey.exec([k.acct, k.keys], [key.id, record, accountId, String(now)]);
        return parseKey(accountId, stored);
      }),
    listKeys: (accountId) =>
      reach("accounts.listKeys", async () => {
        const values = (await redis.hvals(account(accountId).keys)) as string[];
        return values
          .map((json) => parseKey(accountId, json))
          .sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
      }),
    rotateKey: (accountId, keyId, next) =>
      reach("accounts.rotateKey", async () => {
        const reply = await scripts.rotateKey.exec([account(accountId).keys], [keyId, next.prefix, next.hash]);
        if (!reply) return null;
        const [oldHash, updated] = reply as [string, string];
        return { key: parseKey(accountId, updated), old_hash: oldHash };
      }),
    revokeKey: (accountId, keyId, now) =>
      reach("accounts.revokeKey", async () => {
        const json = await scripts.revokeKey.exec([account(accountId).keys], [keyId, String(now)]);
        return json ? parseKey(accountId, json) : null;
      }),
  };

  const ledger: Ledger = {
    balance: (accountId, now) =>
      reach("ledger.balance", async () => {
        const k = account(accountId);
        return toBalance(accountId, await scripts.balance.exec([k.acct, k.holds, k.hexp], [String(now)]));
      }),
    credit: (accountId, request, now) =>
      reach("ledger.credit", async (): Promise<CreditResult> => {
        const k = account(accountId);
        const reply = await scripts.credit.exec(
          [k.acct, k.ledger, k.idem, k.holds, k.hexp],
          [
            request.idempotency_key,
            String(request.amount_micros),
            request.create_account ? "1" : "0",
            accountId,
            String(now),
            entryJson({ reason: request.reason, reference: request.reference, created_at: now }),
          ],
        );
        if (reply[0] === "account_not_found") return { status: "account_not_found" };
        const balance = toBalance(accountId, reply.slice(2));
        if (reply[0] === "limit_exceeded") return { status: "limit_exceeded", balance };
        return {
          status: reply[0] as "applied" | "replayed",
          entry: parseEntry(accountId, reply[1] as string),
          balance,
        };
      }),
    reserve: (accountId, holdId, amount, ttlMs, now) =>
      reach("ledger.reserve", async () => {
        const k = account(accountId);
        const reply = await scripts.reserve.exec(
          [k.acct, k.holds, k.hexp],
          [holdId, String(amount), String(ttlMs), String(now)],
        );
        const balance = toBalance(accountId, reply.slice(2));
        if (reply[0] === "insufficient")
          return { status: "insufficient" as const, available_micros: Number(reply[1]), balance };
        return { status: "reserved" as const, balance };
      }),
    settle: (accountId, holdId, charge, now) =>
      reach("ledger.settle", async () => {
        const k = account(accountId);
        const details = {
          reference: `hold:${holdId}`,
          created_at: now,
          request_id: charge.request_id,
          provider: charge.provider,
          model: charge.model,
          usage: charge.usage,
          cost_usd: charge.cost_usd,
        };
        const reply = await scripts.settle.exec(
          [k.acct, k.ledger, k.idem, k.holds, k.hexp, k.daily],
          [
            holdId,
            String(charge.amount_micros),
            String(now),
            accountId,
            entryJson({ ...details, reason: "usage" }),
            entryJson({ ...details, reason: "uncollected" }),
            utcDay(now),
          ],
        );
        const entry = parseEntry(accountId, reply[1] as string);
        const shortfall = reply[2] ? parseEntry(accountId, reply[2]) : null;
        return {
          status: reply[0] as "settled" | "replayed",
          charged_micros: entry.amount_micros === 0 ? 0 : -entry.amount_micros,
          uncollected_micros: shortfall?.uncollected_micros ?? 0,
          entry,
          balance: toBalance(accountId, reply.slice(3)),
        };
      }),
    release: (accountId, holdId) =>
      reach("ledger.release", async () => {
        const k = account(accountId);
        return (await scripts.release.exec([k.holds, k.hexp], [holdId])) > 0;
      }),
    entries: (accountId, { before, limit }) =>
      reach("ledger.entries", async () => {
        const members = (await redis.zrange(
          account(accountId).ledger,
          before === undefined ? "+inf" : `(${before}`,
          "-inf",
          {
            byScore: true,
            rev: true,
            offset: 0,
            count: limit,
          },
        )) as string[];
        return members.map((member) => parseEntry(accountId, member));
      }),
    daily: (accountId, since) =>
      reach("ledger.daily", async () => {
        // Without automatic deserialization the client hands HGETALL back as a flat [field, value, ...] array.
        const flat = ((await redis.hgetall(account(accountId).daily)) ?? []) as unknown as
          | string[]
          | Record<string, string>;
        const raw: Record<string, string> = Array.isArray(flat)
          ? Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]))
          : flat;
        const from = utcDay(since);
        const days: DailyUsage[] = [];
        for (const [field, value] of Object.entries(raw)) {
          if (!field.startsWith("c:")) continue;
          const date = field.slice(2);
          if (date < from) continue;
          days.push({ date, charged_micros: Number(value), requests: Number(raw[`n:${date}`] ?? 0) });
        }
        return days.sort((a, b) => b.date.localeCompare(a.date));
      }),
  };

  return { kind: "redis", keys, accounts, ledger };
}
