import type { Store } from "../stores/ports.ts";
import { randomBase62, randomHex, sha256Hex } from "./crypto.ts";

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
  );
  return mapping;
}

/** Creates a key for an account: the record first, so a half-done create is visible and revocable. */
export async function issueKey(store: Store, accountId: string, name: string, now: number) {
  const key = generateApiKey();
  const hash = await hashKey(key);
  const id = newKeyId();
  const record = await store.accounts.addKey(accountId, { id, name, prefix: keyPrefix(key), hash }, now);
  await store.keys.claim(hash, { account_id: accountId, key_id: id }, now);
  return { record, key };
}

/** New secret, same key id: the new secret works before the old one stops. */
export async function rotateKey(store: Store, accountId: string, keyId: string, now: number) {
  const key = generateApiKey();
  const hash = await hashKey(key);
  const rotated = await store.accounts.rotateKey(accountId, keyId, { prefix: keyPrefix(key), hash });
  if (!rotated) return null;
  await store.keys.claim(hash, { account_id: accountId, key_id: keyId }, now);
  await store.keys.revoke(rotated.old_hash, now);
  return { record: rotated.key, key };
}

export async function revokeKey(store: Store, accountId: string, keyId: string, now: number) {
  const record = await store.accounts.revokeKey(accountId, keyId, now);
  if (!record) return null;
  await store.keys.revoke(record.hash, now);
  return record;
}
