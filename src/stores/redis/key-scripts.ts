/**
 * Scripts for the key index (`{k:<sha256>}`: hash → account, key id; a lookup hint) and for an
 * account's keys, which decide whether a key is live. Rotate and revoke are each one script on the
 * account, checking the caller's key in the same step. Layout of `keys`/`keystate`: lua-helpers.ts.
 */

import { HELPERS } from "./lua-helpers.ts";

/** KEYS: key. Read-only: last use is stamped by the account's own check. */
export const KEY_LOOKUP = `
local v = redis.call('HMGET', KEYS[1], 'account_id', 'key_id', 'revoked_at')
if not v[1] then return false end
return {v[1], v[2], v[3] and '1' or '0'}
`;

/** KEYS: key. ARGV: account id, key id, now. */
export const KEY_CLAIM = `
local v = redis.call('HMGET', KEYS[1], 'account_id', 'key_id', 'revoked_at')
if v[1] then return {v[1], v[2], v[3] and '1' or '0', '0'} end
redis.call('HSET', KEYS[1], 'account_id', ARGV[1], 'key_id', ARGV[2], 'created_at', ARGV[3])
return {ARGV[1], ARGV[2], '0', '1'}
`;

/** KEYS: key. ARGV: now. */
export const KEY_REVOKE = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSETNX', KEYS[1], 'revoked_at', ARGV[1]) end
return 1
`;

/** KEYS: acct. ARGV: account id, source, plan ('' for none), now. */
export const CREATE_ACCOUNT = `${HELPERS}
ensure(KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[4]))
if ARGV[3] ~= '' then redis.call('HSETNX', KEYS[1], 'plan', ARGV[3]) end
return redis.call('HMGET', KEYS[1], 'id', 'source', 'plan', 'created_at')
`;

/**
 * KEYS: acct, keys, keystate. ARGV: key id, record json, account id, now, hash, prefix, caller's key
 * id ('' for none), caller's key hash. Returns {'added', record...}.
 */
export const ADD_KEY = `${HELPERS}
local now = tonumber(ARGV[4])
if not admits(KEYS[2], KEYS[3], ARGV[7], ARGV[8], now) then return {'key_refused'} end
ensure(KEYS[1], ARGV[3], 'key', now)
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then
  redis.call('HSET', KEYS[3], 'h:' .. ARGV[1], ARGV[5], 'p:' .. ARGV[1], ARGV[6])
end
return {'added', unpack(key_record(KEYS[2], KEYS[3], ARGV[1]))}
`;

/** KEYS: keys, keystate. ARGV: now, caller's key id ('' for none), caller's key hash. Returns {'keys', HGETALL keys, HGETALL keystate}. */
export const LIST_KEYS = `${HELPERS}
if not admits(KEYS[1], KEYS[2], ARGV[2], ARGV[3], tonumber(ARGV[1])) then return {'key_refused'} end
return {'keys', redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}
`;

/**
 * KEYS: keys, keystate. ARGV: key id, prefix, hash, now, caller's key id, caller's key hash.
 * Returns {'rotated', old hash, record...} for a live key, else {'not_found'}.
 */
export const ROTATE_KEY = `${HELPERS}
if not admits(KEYS[1], KEYS[2], ARGV[5], ARGV[6], tonumber(ARGV[4])) then return {'key_refused'} end
local s = key_state(KEYS[1], KEYS[2], ARGV[1])
if not s or s.revoked then return {'not_found'} end
redis.call('HSET', KEYS[2], 'h:' .. ARGV[1], ARGV[3], 'p:' .. ARGV[1], ARGV[2])
return {'rotated', s.hash or '', unpack(key_record(KEYS[1], KEYS[2], ARGV[1]))}
`;

/**
 * KEYS: keys, keystate. ARGV: key id, now, caller's key id, caller's key hash.
 * Returns {'revoked', record...}, else {'not_found'}. Revoking twice keeps the first time.
 */
export const REVOKE_KEY = `${HELPERS}
if not admits(KEYS[1], KEYS[2], ARGV[3], ARGV[4], tonumber(ARGV[2])) then return {'key_refused'} end
local s = key_state(KEYS[1], KEYS[2], ARGV[1])
if not s then return {'not_found'} end
if not s.revoked then redis.call('HSET', KEYS[2], 'r:' .. ARGV[1], ARGV[2]) end
return {'revoked', unpack(key_record(KEYS[1], KEYS[2], ARGV[1]))}
`;
