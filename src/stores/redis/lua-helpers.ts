/**
 * Lua shared by the scripts. Lua numbers are doubles: money stays in integer micro-credits (exact
 * up to 2^53 - 1, which credits never pass) and leaves the scripts as strings formatted with %d.
 */

import { STALE_HOLD_RETENTION_MS } from "../ports.ts";

export const HELPERS = `
local MAX_SAFE = 9007199254740991
local function fmt(n) return string.format('%d', n) end
local function ensure(acct, id, source, now)
  if redis.call('EXISTS', acct) == 0 then
    redis.call('HSET', acct, 'id', id, 'source', source, 'created_at', fmt(now), 'balance', '0', 'unbilled', '0', 'seq', '0')
  end
end
-- Expired holds stop counting at once (active_held) but are kept STALE_HOLD_RETENTION_MS, so an
-- operator sees calls that outlived their holds (GET /admin/holds?stale=1); then they are pruned.
local function prune(holds, hexp, now)
  local before = fmt(now - ${STALE_HOLD_RETENTION_MS})
  local expired = redis.call('ZRANGEBYSCORE', hexp, '-inf', before)
  if #expired > 0 then
    redis.call('HDEL', holds, unpack(expired))
    redis.call('ZREMRANGEBYSCORE', hexp, '-inf', before)
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

-- An account's keys: \`keys\` maps a key id to the JSON record written when it was added; \`keystate\`
-- holds what changed since in fields of their own: h:<id> live hash, p:<id> prefix, r:<id> revoked
-- at, u:<id> last used. Scripts compare these without decoding JSON. Records written before those
-- fields existed are read from their JSON by pattern, never with cjson.decode, which refuses the
-- \\ud800 escapes JSON.stringify writes for lone surrogates (such keys could not be revoked). An
-- unescaped "hash":" can only start that field, since quotes inside JSON strings are escaped.
local function key_state(keys, keystate, id)
  local raw = redis.call('HGET', keys, id)
  if not raw then return nil end
  local v = redis.call('HMGET', keystate, 'h:' .. id, 'r:' .. id)
  local revoked = v[2]
  local legacy = string.match(raw, '"revoked_at":([^,}]*)')
  -- Revocation is for good: either place saying so is enough.
  if not revoked and legacy and legacy ~= 'null' then revoked = legacy end
  return {hash = v[1] or string.match(raw, '"hash":"([^"]*)"'), revoked = revoked}
end
-- {json, hash, prefix, revoked_at, last_used_at}, '' where a field is not set.
local function key_record(keys, keystate, id)
  local v = redis.call('HMGET', keystate, 'h:' .. id, 'p:' .. id, 'r:' .. id, 'u:' .. id)
  return {redis.call('HGET', keys, id) or '', v[1] or '', v[2] or '', v[3] or '', v[4] or ''}
end
-- True when no key is presented (id ''), or the presented key is live in this account with this
-- hash; then stamps its last use, at most once a minute.
local function admits(keys, keystate, id, hash, now)
  if id == '' then return true end
  local s = key_state(keys, keystate, id)
  if not s or s.revoked or s.hash ~= hash then return false end
  local last = redis.call('HGET', keystate, 'u:' .. id)
  if not last or now - tonumber(last) >= 60000 then redis.call('HSET', keystate, 'u:' .. id, fmt(now)) end
  return true
end
`;
