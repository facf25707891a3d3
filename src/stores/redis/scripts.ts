/**
 * One Lua script per money operation: each runs atomically inside Redis, so a balance change,
 * its ledger entry and the idempotency key that guards it land together. Every key a script
 * touches is passed in KEYS (Upstash refuses dynamic keys), and all of an account's keys share a
 * hash tag. Operations a caller's key performs check in the same script that the key is still live
 * in the account (`admits`), answering {'key_refused'} when it is not.
 */

import { ANALYTICS_LUA } from "./analytics-scripts.ts";
import { LIMIT_HELPERS } from "./limit-scripts.ts";
import { HELPERS } from "./lua-helpers.ts";

/**
 * KEYS: acct, ledger, idem, holds, hexp, analytics money (an:m:<day>).
 * ARGV: idem key, amount, create (1/0), account id, now, entry json, reason.
 */
export const CREDIT = `${HELPERS}${ANALYTICS_LUA}
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
an_entry(KEYS[6], an_dims(acct), ARGV[7], amount)
local s = state(acct, holds, hexp, now)
return {'applied', member, s[1], s[2], s[3]}
`;

/**
 * KEYS: acct, holds, hexp, keys, keystate, rl, inflight. ARGV: hold id, amount, ttl ms, now, key id
 * ('' for none), key hash, limits json ('' for none). The limits are checked before the balance and
 * counted only once the hold is placed; replies end with the rate tuple (see limit-scripts.ts).
 */
export const RESERVE = `${HELPERS}${LIMIT_HELPERS}
local acct, holds, hexp = KEYS[1], KEYS[2], KEYS[3]
local amount, ttl, now = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if not admits(KEYS[4], KEYS[5], ARGV[5], ARGV[6], now) then return {'key_refused'} end
prune(holds, hexp, now)
local limits = ARGV[7]
if redis.call('HEXISTS', holds, ARGV[1]) == 1 then
  local tuple = {}
  if limits ~= '' then
    local plan, rpm, conc = plan_limit(acct, limits)
    tuple = rate_step(KEYS[6], now, plan, rpm, conc, nil, true)[1]
  end
  local s = state(acct, holds, hexp, now)
  return {'reserved', '', s[1], s[2], s[3], unpack(tuple)}
end
local step = nil
if limits ~= '' then
  local plan, rpm, conc = plan_limit(acct, limits)
  step = rate_step(KEYS[6], now, plan, rpm, conc, in_flight(hexp, KEYS[7], now))
  if step[1][1] ~= 'allowed' then
    local s = state(acct, holds, hexp, now)
    return {'rate_limited', '', s[1], s[2], s[3], unpack(step[1])}
  end
end
local available = balance_of(acct) - active_held(holds, hexp, now, nil)
if amount > available then
  local s = state(acct, holds, hexp, now)
  return {'insufficient', fmt(available), s[1], s[2], s[3]}
end
redis.call('HSET', holds, ARGV[1], ARGV[2])
redis.call('ZADD', hexp, fmt(now + ttl), ARGV[1])
local tuple = {}
if step then
  rate_commit(KEYS[6], step)
  tuple = step[1]
end
local s = state(acct, holds, hexp, now)
return {'reserved', '', s[1], s[2], s[3], unpack(tuple)}
`;

/**
 * KEYS: acct, ledger, idem, holds, hexp, daily, analytics usage (an:u:<day>), analytics accounts (an:a:<day>).
 * ARGV: hold id, amount, now, account id, usage json, uncollected json, UTC day, provider, model,
 * cost nano-USD, cost atto-USD remainder.
 */
export const SETTLE = `${HELPERS}${ANALYTICS_LUA}
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
an_usage(KEYS[7], KEYS[8], an_dims(acct), ARGV[4], ARGV[8], ARGV[9], charged, ARGV[10], ARGV[11], uncollected)
local s = state(acct, holds, hexp, now)
return {'settled', member, shortfall, s[1], s[2], s[3]}
`;

/** KEYS: holds, hexp. ARGV: hold id. */
export const RELEASE = `
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return removed
`;

/** KEYS: acct, holds, hexp, keys, keystate. ARGV: now, key id ('' for none), key hash. */
export const BALANCE = `${HELPERS}
local now = tonumber(ARGV[1])
if not admits(KEYS[4], KEYS[5], ARGV[2], ARGV[3], now) then return {'key_refused'} end
return state(KEYS[1], KEYS[2], KEYS[3], now)
`;

/** KEYS: ledger, keys, keystate. ARGV: highest score ('+inf' or '(<seq>'), limit, now, key id, key hash. Newest first. */
export const ENTRIES = `${HELPERS}
if not admits(KEYS[2], KEYS[3], ARGV[4], ARGV[5], tonumber(ARGV[3])) then return {'key_refused'} end
return {'entries', redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'LIMIT', '0', ARGV[2])}
`;

/** KEYS: daily, keys, keystate. ARGV: now, key id, key hash. */
export const DAILY = `${HELPERS}
if not admits(KEYS[2], KEYS[3], ARGV[2], ARGV[3], tonumber(ARGV[1])) then return {'key_refused'} end
return {'daily', redis.call('HGETALL', KEYS[1])}
`;
