import type { Context, MiddlewareHandler } from "hono";
import { accountForKey, hashKey, isAcceptableKey } from "../lib/api-keys.ts";
import { timingSafeEqualString } from "../lib/crypto.ts";
import { ApiError } from "../lib/errors.ts";
import type { CachedMapping } from "../lib/key-cache.ts";
import { MICROS_PER_CREDIT } from "../lib/money.ts";
import type { Caller, HonoEnv } from "../lib/types.ts";
import { RAPIDAPI_BILLING_HEADER } from "../metering/rapidapi-meter.ts";
import type { KeyMapping } from "../stores/ports.ts";

const RAPIDAPI_USER = /^[\x21-\x7e]{1,128}$/;
const RAPIDAPI_PLAN = /^[\x20-\x7e]{1,64}$/;
export const DEV_SEED_CREDITS = 10_000;

const invalidKey = () => new ApiError("INVALID_API_KEY", "The API key is not valid.");

/** The key from `Authorization: Bearer` or `X-API-Key`; undefined when neither is sent. */
function presentedKey(c: Context<HonoEnv>): string | undefined {
  const authorization = c.req.header("authorization");
  if (authorization !== undefined) {
    const match = /^Bearer[ \t]+(.*)$/i.exec(authorization.trim());
    if (!match) throw new ApiError("INVALID_API_KEY", "Send the key as 'Authorization: Bearer <key>'.");
    return (match[1] ?? "").trim();
  }
  return c.req.header("x-api-key")?.trim();
}

async function rapidApiCaller(c: Context<HonoEnv>, proxySecret: string): Promise<Caller> {
  const configured = c.var.config.RAPIDAPI_SECRET;
  // Never fall through to key auth: a request claiming to come from RapidAPI must prove it.
  if (configured === undefined || !(await timingSafeEqualString(proxySecret, configured))) {
    throw new ApiError("INVALID_API_KEY", "The RapidAPI proxy secret is not valid.");
  }
  const user = c.req.header("x-rapidapi-user")?.trim() ?? "";
  if (!RAPIDAPI_USER.test(user)) {
    throw new ApiError("INVALID_API_KEY", "X-RapidAPI-User is missing or malformed.");
  }
  const plan = c.req.header("x-rapidapi-subscription")?.trim();
  return {
    account_id: `rapidapi:${user}`,
    source: "rapidapi",
    plan: plan && RAPIDAPI_PLAN.test(plan) ? plan : null,
    key: null,
  };
}

/**
 * `DEV_SEED_KEY` (local development only) works on first use: its account is created
 * and granted 10,000 credits once, guarded by a fixed idempotency key.
 */
async function seedDevKey(c: Context<HonoEnv>, key: string): Promise<KeyMapping | null> {
  const seed = c.var.config.DEV_SEED_KEY;
  if (seed === undefined || !(await timingSafeEqualString(key, seed))) return null;
  const { store, now } = c.var.services;
  const mapping = await accountForKey(store, key, now());
  await store.ledger.credit(
    mapping.account_id,
    {
      amount_micros: DEV_SEED_CREDITS * MICROS_PER_CREDIT,
      reason: "admin_grant",
      reference: "dev-seed",
      idempotency_key: "dev-seed",
      create_account: true,
    },
    now(),
  );
  return mapping;
}

/** Native keys and RapidAPI: sets `c.var.caller`, at most one store round trip. */
export function authenticate(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const proxySecret = c.req.header("x-rapidapi-proxy-secret");
    if (proxySecret !== undefined) {
      c.set("caller", await rapidApiCaller(c, proxySecret));
      await next();
      reportRapidApiBilling(c);
      return;
    }
    const key = presentedKey(c);
    if (key === undefined) {
      throw new ApiError("MISSING_API_KEY", "Send your API key as 'Authorization: Bearer <key>' or 'X-API-Key'.");
    }
    if (!isAcceptableKey(key)) throw invalidKey();
    const hash = await hashKey(key);
    const { keyCache, now } = c.var.services;
    let mapping: CachedMapping | undefined = keyCache.get(hash, now());
    if (!mapping) {
      const found = (await c.var.services.store.keys.lookup(hash)) ?? (await seedDevKey(c, key));
      if (!found || found.revoked) throw invalidKey();
      mapping = found;
      keyCache.set(hash, found, now());
    }
    // The mapping only says where to look: the account re-checks this key id and hash on every operation.
    c.set("caller", {
      account_id: mapping.account_id,
      source: "key",
      plan: null,
      key: { key_id: mapping.key_id, hash },
    });
    await next();
    // The account refused the key (revoked or rotated away): forget it in this isolate too.
    if (c.error instanceof ApiError && c.error.code === "INVALID_API_KEY") keyCache.delete(hash);
  };
}

/**
 * Every answer to a RapidAPI subscriber says what it bills: a metered call set it; anything else
 * (an error, a free route) bills 0. RapidAPI's rate-limit headers are RapidAPI's own, so none of
 * the gateway's go out with them.
 */
function reportRapidApiBilling(c: Context<HonoEnv>): void {
  const label = (headers: Headers) => {
    if (!headers.has(RAPIDAPI_BILLING_HEADER)) {
      headers.set(RAPIDAPI_BILLING_HEADER, `${c.var.config.RAPIDAPI_BILLING_OBJECT}=0`);
    }
    for (const name of [...headers.keys()]) if (name.startsWith("x-ratelimit-")) headers.delete(name);
  };
  try {
    label(c.res.headers);
  } catch {
    // An answer with immutable headers (fetched from elsewhere): copy it once.
    c.res = new Response(c.res.body, c.res);
    label(c.res.headers);
  }
}

/** RapidAPI bills its own subscribers: key management and billing are for direct customers. */
export function requireNativeKey(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    if (c.var.caller.source !== "key") {
      throw new ApiError("FORBIDDEN", "This route is for direct API key holders; RapidAPI manages your subscription.");
    }
    return next();
  };
}

/** `X-Admin-Secret`; with ADMIN_SECRET unset the admin surface does not exist (404). */
export function requireAdmin(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const secret = c.var.config.ADMIN_SECRET;
    if (secret === undefined) {
      throw new ApiError("NOT_FOUND", `No route ${c.req.method} ${c.req.path}. The API reference is at /docs.`);
    }
    const given = c.req.header("x-admin-secret");
    if (given === undefined || !(await timingSafeEqualString(given, secret))) {
      throw new ApiError("INVALID_ADMIN_SECRET", "The admin secret is missing or wrong.");
    }
    return next();
  };
}
