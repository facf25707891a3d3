import type { PresentedKey, Store } from "../stores/ports.ts";
import { randomBase62, randomHex, sha256Hex } from "./crypto.ts";
import { log } from "./log.ts";

/** Generated keys: a recognisable prefix and 32 base62 characters (about 190 random bits). */
export const KEY_PREFIX = "aib_";
const GENERATED_KEY = /^aib_[0-9A-Za-z]{32}$/;
/** Any printable ASCII string of 8 to 256 bytes is accepted, so imported keys keep working. */
const ACCEPTABLE_KEY = /^[\x21-\x7e]{8,256}$/;

export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBase62(32)}`;
}

export function isAcceptableKey(key: string): boolean {
  return ACCEPTABLE_KEY.test(key);
}

/** What a key list shows: enough to recognise a key, a quarter of it at most, never enough to use it. */
export function keyPrefix(key: string): string {
  if (GENERATED_KEY.test(key)) return key.slice(0, 12);
  return key.slice(0, Math.min(8, Math.floor(key.length / 4)));
}

export function hashKey(key: string): Promise<string> {
  return sha256Hex(key);
}

export const newKeyId = () => `key_${randomHex(8)}`;
export const newAccountId = () => `acct_${randomHex(10)}`;

export const isRapidApiAccount = (accountId: string) => accountId.startsWith("rapidapi:");

/**
 * Finds the account of a key, creating account and key record when the key is new.
 * Concurrent calls for one new key all land on the one account the key index claimed.
 */
export async function accountForKey(
  store: Store,
  key: string,
  now: number,
): Promise<{ account_id: string; key_id: string; revoked: boolean }> {
  const hash = await hashKey(key);
  const { mapping } = await store.keys.claim(hash, { account_id: newAccountId(), key_id: newKeyId() }, now);
  // Idempotent, so a grant that died between claim and record heals on the next one.
  await store.accounts.addKey(
    mapping.account_id,
    { id: mapping.key_id, name: "imported", prefix: keyPrefix(key), hash },
    now,
    null,
  );
  return mapping;
}

/**
 * The key index is a lookup hint; the account decides which key is live. Once the account has
 * changed, a failed index update admits nothing, so it is logged rather than failing the answer
 * (which holds a secret the caller may not get again).
 */
async function updateHint(op: string, update: () => Promise<void>): Promise<void> {
  try {
    await update();
  } catch (error) {
    log("warn", "key index update failed", { op, error: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * Creates a key for an account. The index entry first, so a key the account lists always
 * authenticates; a claim whose record never lands points at a key no account admits.
 */
export async function issueKey(
  store: Store,
  accountId: string,
  name: string,
  now: number,
  presented: PresentedKey | null,
) {
  const key = generateApiKey();
  const hash = await hashKey(key);
  const id = newKeyId();
  await store.keys.claim(hash, { account_id: accountId, key_id: id }, now);
  const record = await store.accounts.addKey(accountId, { id, name, prefix: keyPrefix(key), hash }, now, presented);
  return { record, key };
}

/**
 * New secret, same key id, swapped in one atomic step of the account: the old secret stops and the
 * new one works at once. The new hash is claimed before the swap, so the new secret never points nowhere.
 */
export async function rotateKey(
  store: Store,
  accountId: string,
  keyId: string,
  now: number,
  presented: PresentedKey | null,
) {
  const key = generateApiKey();
  const hash = await hashKey(key);
  await store.keys.claim(hash, { account_id: accountId, key_id: keyId }, now);
  const rotated = await store.accounts.rotateKey(accountId, keyId, { prefix: keyPrefix(key), hash }, presented);
  // Refused (no such live key): the claimed hash is listed nowhere, so no account admits its secret.
  if (!rotated) return null;
  await updateHint("rotate", () => store.keys.revoke(rotated.old_hash, now));
  return { record: rotated.key, key, oldHash: rotated.old_hash };
}

/** Revoked in one atomic step of the account; the index is told afterwards. */
export async function revokeKey(
  store: Store,
  accountId: string,
  keyId: string,
  now: number,
  presented: PresentedKey | null,
) {
  const record = await store.accounts.revokeKey(accountId, keyId, now, presented);
  if (!record) return null;
  await updateHint("revoke", () => store.keys.revoke(record.hash, now));
  return record;
}
