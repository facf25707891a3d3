/**
 * One Lua script per money operation: each runs atomically inside Redis, so a balance change,
 * its ledger entry and the idempotency key that guards it land together. Every key a script
 * touches is passed in KEYS (Upstash refuses dynamic keys), and all of an account's keys share a
 * hash tag. Lua numbers are doubles: money stays in integer micro-credits (exact up to 2^53 - 1,
 * which credits never pass) and leaves the scripts as strings formatted with %d.
 */

const HELPERS = `
local MAX_SAFE = 9007199254740991
local function fmt(n) return string.format('%d', n) end
local function ensure(acct, id, source, now)
  if redis.call('EXISTS', acct) == 0 then
    redis.call('HSET', acct, 'id', id, 'source', source, 'created_at', fmt(now), 'balance', '0', 'unbilled', '0', 'seq', '0')
  end
end
local function prune(holds, hexp, now)
  local expired = redis.call('ZRANGEBYSCORE', hexp, '-inf', fmt(now))
  if #expired > 0 then
    redis.call('HDEL', holds, unpack(expired))
    redis.call('ZREMRANGEBYSCORE', hexp, '-inf', fmt(now))
  end
end
local function active_held(holds, hexp, now, except)
  local ids = redis.call('ZRANGEBYSCORE', hexp, '(' .. fmt(now), '+inf')
  local sum = 0
  for _, id in ipairs(ids) do
    if id ~= except then sum = sum + tonumber(redis.call('HGET', holds, id) or '0') end
  end
  return sum
end
local function balance_of(acct)
  return tonumber(redis.call('HGET', acct, 'balance') or '0')
end
local function state(acct, holds, hexp, now)
  return {fmt(balance_of(acct)), fmt(active_held(holds, hexp, now, nil)), redis.call('HGET', acct, 'unbilled') or '0'}
end
-- member = seq|balance_after|amount|uncollected|json
local function write(acct, ledger, idem, key, amount, uncollected, json)
  local balance = redis.call('HINCRBY', acct, 'balance', fmt(amount))
  local seq = redis.call('HINCRBY', acct, 'seq', 1)
  local member = fmt(seq) .. '|' .. fmt(balance) .. '|' .. fmt(amount) .. '|' .. uncollected .. '|' .. json
  redis.call('ZADD', ledger, fmt(seq), member)
  redis.call('HSET', idem, key, fmt(seq))
  return member
end
local function entry_at(ledger, seq)
  return redis.call('ZRANGEBYSCORE', ledger, seq, seq)[1]
end
`;

/** KEYS: acct, ledger, idem, holds, hexp. ARGV: idem key, amount, create (1/0), account id, now, entry json. */
export const CREDIT = `${HELPERS}
local acct, ledger, idem, holds, hexp = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now = tonumber(ARGV[5])
local seq = redis.call('HGET', idem, ARGV[1])
if seq then
  local s = state(acct, holds, hexp, now)
  return {'replayed', entry_at(ledger, seq), s[1], s[2], s[3]}
end
if redis.call('EXISTS', acct) == 0 then
  if ARGV[3] ~= '1' then return {'account_not_found'} end
  ensure(acct, ARGV[4], 'key', now)
end
local amount = tonumber(ARGV[2])
-- Past 2^53 - 1 a balance is no longer an exact integer here nor in JavaScript: refuse, apply nothing.
if amount > 0 and amount > MAX_SAFE - balance_of(acct) then
  local s = state(acct, holds, hexp, now)
  return {'limit_exceeded', '', s[1], s[2], s[3]}
end
local member = write(acct, ledger, idem, ARGV[1], amount, '', ARGV[6])
local s = state(acct, holds, hexp, now)
return {'applied', member, s[1], s[2], s[3]}
`;

/** KEYS: acct, holds, hexp. ARGV: hold id, amount, ttl ms, now. */
export const RESERVE = `${HELPERS}
local acct, holds, hexp = KEYS[1], KEYS[2], KEYS[3]
local amount, ttl, now = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
prune(holds, hexp, now)
if redis.call('HEXISTS', holds, ARGV[1]) == 0 then
  local available = balance_of(acct) - active_held(holds, hexp, now, nil)
  if amount > available then
    local s = state(acct, holds, hexp, now)
    return {'insufficient', fmt(available), s[1], s[2], s[3]}
  end
  redis.call('HSET', holds, ARGV[1], ARGV[2])
  redis.call('ZADD', hexp, fmt(now + ttl), ARGV[1])
end
local s = state(acct, holds, hexp, now)
return {'reserved', '', s[1], s[2], s[3]}
`;

/**
 * KEYS: acct, ledger, idem, holds, hexp, daily.
 * ARGV: hold id, amount, now, account id, usage json, uncollected json, UTC day.
 */
export const SETTLE = `${HELPERS}
local acct, ledger, idem, holds, hexp, daily = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local hold, amount, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local seq = redis.call('HGET', idem, 'settle:' .. hold)
if seq then
  local shortfall = redis.call('HGET', idem, 'uncollected:' .. hold)
  local s = state(acct, holds, hexp, now)
  return {'replayed', entry_at(ledger, seq), shortfall and entry_at(ledger, shortfall) or '', s[1], s[2], s[3]}
end
ensure(acct, ARGV[4], 'key', now)
-- An unexpired hold kept its amount aside; an expired one did not, so only what other holds leave is payable.
local payable = math.max(0, balance_of(acct) - active_held(holds, hexp, now, hold))
redis.call('HDEL', holds, hold)
redis.call('ZREM', hexp, hold)
prune(holds, hexp, now)
local charged = math.min(amount, payable)
local uncollected = amount - charged
local member = write(acct, ledger, idem, 'settle:' .. hold, -charged, '', ARGV[5])
local shortfall = ''
if uncollected > 0 then
  shortfall = write(acct, ledger, idem, 'uncollected:' .. hold, 0, fmt(uncollected), ARGV[6])
end
redis.call('HINCRBY', daily, 'c:' .. ARGV[7], fmt(charged))
redis.call('HINCRBY', daily, 'n:' .. ARGV[7], 1)
local s = state(acct, holds, hexp, now)
return {'settled', member, shortfall, s[1], s[2], s[3]}
`;

/** KEYS: holds, hexp. ARGV: hold id. */
export const RELEASE = `
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return removed
`;

/** KEYS: acct, holds, hexp. ARGV: now. */
export const BALANCE = `${HELPERS}
return state(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]))
`;

/** KEYS: key. ARGV: now. Stamps last use at most once a minute. */
export const KEY_LOOKUP = `
local v = redis.call('HMGET', KEYS[1], 'account_id', 'key_id', 'revoked_at', 'last_used_at')
if not v[1] then return false end
local now = tonumber(ARGV[1])
if not v[3] and (not v[4] or now - tonumber(v[4]) >= 60000) then
  redis.call('HSET', KEYS[1], 'last_used_at', ARGV[1])
end
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

/** KEYS: acct, keys. ARGV: key id, record json, account id, now. */
export const ADD_KEY = `${HELPERS}
ensure(KEYS[1], ARGV[3], 'key', tonumber(ARGV[4]))
redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
return redis.call('HGET', KEYS[2], ARGV[1])
`;

/** KEYS: acct. ARGV: account id, source, plan ('' for none), now. */
export const CREATE_ACCOUNT = `${HELPERS}
ensure(KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[4]))
if ARGV[3] ~= '' then redis.call('HSETNX', KEYS[1], 'plan', ARGV[3]) end
return redis.call('HMGET', KEYS[1], 'id', 'source', 'plan', 'created_at')
`;

/** KEYS: keys. ARGV: key id, prefix, hash. Returns {old json, new json} for a live key. */
export const ROTATE_KEY = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local record = cjson.decode(raw)
if record.revoked_at ~= cjson.null then return false end
local old = record.hash
record.prefix = ARGV[2]
record.hash = ARGV[3]
local updated = cjson.encode(record)
redis.call('HSET', KEYS[1], ARGV[1], updated)
return {old, updated}
`;

/** KEYS: keys. ARGV: key id, now. */
export const REVOKE_KEY = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local record = cjson.decode(raw)
if record.revoked_at == cjson.null then
  record.revoked_at = tonumber(ARGV[2])
  raw = cjson.encode(record)
  redis.call('HSET', KEYS[1], ARGV[1], raw)
end
return raw
`;
