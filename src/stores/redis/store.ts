import type { Redis } from "@upstash/redis/cloudflare";
import { utcDay } from "../../lib/time.ts";
import type { CreditResult, DailyUsage, HoldAudit, Ledger, StaleHold, Store } from "../ports.ts";
import { reach as reachStore } from "../reach.ts";
import { type RedisLayout, redisAccounts, redisKeyIndex } from "./accounts.ts";
import { classifyRedisError } from "./errors.ts";
import { redisPayments } from "./payments.ts";
import { redisRapidApi } from "./rapidapi.ts";
import { admitted, clock, entryJson, fieldMap, parseEntry, presentedArgs, type Reply, toBalance } from "./records.ts";
import * as lua from "./scripts.ts";

/**
 * The Upstash Redis adapter. Every money operation is one Lua script (EVALSHA, falling back to
 * EVAL), so each costs one round trip. Keys live under `prefix`; an account's keys share the
 * hash tag `{a:<id>}` and a key index entry is `{k:<sha256>}`.
 */
export function createRedisStore(redis: Redis, prefix = "aib:"): Store {
  const layout: RedisLayout = {
    account: (id) => {
      const base = `${prefix}{a:${id}}`;
      return {
        acct: `${base}:acct`,
        ledger: `${base}:ledger`,
        idem: `${base}:idem`,
        holds: `${base}:holds`,
        hexp: `${base}:hexp`,
        keys: `${base}:keys`,
        keystate: `${base}:keystate`,
        daily: `${base}:daily`,
        pay: `${base}:pay`,
        pevents: `${base}:pevents`,
        owing: `${base}:owing`,
      };
    },
    keyOf: (hash) => `${prefix}{k:${hash}}`,
    reach: (op, call) => reachStore("redis", op, call, classifyRedisError),
  };
  const { account, reach } = layout;
  const scripts = {
    credit: redis.createScript<Reply[]>(lua.CREDIT),
    reserve: redis.createScript<Reply[]>(lua.RESERVE),
    settle: redis.createScript<Reply[]>(lua.SETTLE),
    release: redis.createScript<number>(lua.RELEASE),
    balance: redis.createScript<Reply[]>(lua.BALANCE),
    entries: redis.createScript<[string, string[]]>(lua.ENTRIES),
    daily: redis.createScript<[string, string[]]>(lua.DAILY),
  };

  const ledger: Ledger = {
    balance: (accountId, now, key) =>
      reach("ledger.balance", async () => {
        const k = account(accountId);
        const reply = await scripts.balance.exec(
          [k.acct, k.holds, k.hexp, k.keys, k.keystate],
          [String(now), ...presentedArgs(key)],
        );
        return toBalance(accountId, admitted(reply));
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
    reserve: (accountId, holdId, amount, ttlMs, now, key) =>
      reach("ledger.reserve", async () => {
        const k = account(accountId);
        const reply = admitted(
          await scripts.reserve.exec(
            [k.acct, k.holds, k.hexp, k.keys, k.keystate],
            [holdId, String(amount), String(ttlMs), String(now), ...presentedArgs(key)],
          ),
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
    entries: (accountId, { before, limit }, key) =>
      reach("ledger.entries", async () => {
        const k = account(accountId);
        const [, members] = admitted(
          await scripts.entries.exec(
            [k.ledger, k.keys, k.keystate],
            [before === undefined ? "+inf" : `(${before}`, String(limit), clock(), ...presentedArgs(key)],
          ),
        );
        return members.map((member) => parseEntry(accountId, member));
      }),
    daily: (accountId, since, key) =>
      reach("ledger.daily", async () => {
        const k = account(accountId);
        const [, flat] = admitted(
          await scripts.daily.exec([k.daily, k.keys, k.keystate], [clock(), ...presentedArgs(key)]),
        );
        const raw = fieldMap(flat);
        const from = utcDay(since);
        const days: DailyUsage[] = [];
        for (const [field, value] of raw) {
          if (!field.startsWith("c:")) continue;
          const date = field.slice(2);
          if (date < from) continue;
          days.push({ date, charged_micros: Number(value), requests: Number(raw.get(`n:${date}`) ?? 0) });
        }
        return days.sort((a, b) => b.date.localeCompare(a.date));
      }),
  };

  // Admin only, off every call's path: walks the accounts' hold expiries with SCAN.
  const holds: HoldAudit = {
    stale: (now, limit) =>
      reach("holds.stale", async () => {
        const head = `${prefix}{a:`;
        const tail = "}:hexp";
        const found: StaleHold[] = [];
        let cursor = "0";
        for (let page = 0; page < 100; page++) {
          const [next, names] = (await redis.scan(cursor, { match: `${head}*${tail}`, count: 1000 })) as [
            string | number,
            string[],
          ];
          for (const name of names) {
            if (!name.startsWith(head) || !name.endsWith(tail)) continue;
            const accountId = name.slice(head.length, -tail.length);
            const flat = (await redis.zrange(name, "-inf", now, { byScore: true, withScores: true })) as unknown as (
              | string
              | number
            )[];
            if (flat.length === 0) continue;
            const ids = flat.filter((_, i) => i % 2 === 0).map(String);
            const amounts = (await redis.hmget(account(accountId).holds, ...ids)) as unknown as
              | (string | null)[]
              | Record<string, string | null>
              | null;
            ids.forEach((id, i) => {
              const amount = Array.isArray(amounts) ? amounts[i] : amounts?.[id];
              found.push({
                account_id: accountId,
                hold_id: id,
                amount_micros: Number(amount ?? 0),
                expired_at: Number(flat[i * 2 + 1]),
              });
            });
          }
          cursor = String(next);
          if (cursor === "0" || found.length >= limit) break;
        }
        return found.sort((a, b) => a.expired_at - b.expired_at).slice(0, limit);
      }),
  };

  return {
    kind: "redis",
    holds,
    keys: redisKeyIndex(redis, layout),
    accounts: redisAccounts(redis, layout),
    ledger,
    payments: redisPayments(redis, layout),
    rapidapi: redisRapidApi(redis, layout),
  };
}
