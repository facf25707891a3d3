import { HELPERS } from "./lua-helpers.ts";

/**
 * The rate limiter in Lua: the same steps as src/stores/rate-window.ts (the contract suite holds
 * both stores to the same answers). `rl` is the account's window hash (w: fixed 60 s slot index,
 * c: its count, p: the previous slot's count); `inflight` a sorted set of RapidAPI calls in flight
 * scored by expiry. Limits arrive as JSON: {"d": default plan, "f": forced plan or "", "p": {id: [rpm, concurrent]}}.
 * A rate tuple is {status, which, plan, limit, remaining, reset ms, retry ms, concurrent}.
 */
export const LIMIT_HELPERS = `
local RATE_W = 60000
local function plan_limit(acct, json)
  local t = cjson.decode(json)
  local id = t.f
  if type(id) ~= 'string' or id == '' then id = redis.call('HGET', acct, 'plan') end
  if type(id) ~= 'string' or type(t.p[id]) ~= 'table' then id = t.d end
  local l = t.p[id]
  if type(l) ~= 'table' then return id, MAX_SAFE, MAX_SAFE end
  return id, tonumber(l[1]), tonumber(l[2])
end
local function in_flight(hexp, inflight, now)
  redis.call('ZREMRANGEBYSCORE', inflight, '-inf', fmt(now))
  return redis.call('ZCOUNT', hexp, '(' .. fmt(now), '+inf') + redis.call('ZCARD', inflight)
end
-- {tuple, w, c, p}: the window to store when the request is counted (c already incremented).
-- \`peek\`: the window as it stands, this request not counted (a replayed reserve).
local function rate_step(rl, now, plan, rpm, conc, inflight, peek)
  local v = redis.call('HMGET', rl, 'w', 'c', 'p')
  local slot = math.floor(now / RATE_W)
  local w, c, p = tonumber(v[1]), tonumber(v[2] or '0'), tonumber(v[3] or '0')
  if not w or slot > w + 1 then w, c, p = slot, 0, 0
  elseif slot == w + 1 then w, c, p = slot, 0, c end
  local elapsed = math.max(0, math.min(RATE_W - 1, now - w * RATE_W))
  local used = math.floor(p * (RATE_W - elapsed) / RATE_W) + c
  local reset = RATE_W - elapsed
  local left = fmt(math.max(0, rpm - used))
  if used >= rpm then
    local wait
    if c < rpm then wait = math.floor(RATE_W - (rpm - c) * RATE_W / p) + 1 - elapsed
    else wait = RATE_W - elapsed + math.floor(RATE_W - rpm * RATE_W / c) + 1 end
    wait = fmt(math.max(1, wait))
    return {{'rate_limited', 'requests', plan, fmt(rpm), left, wait, wait, fmt(conc)}}
  end
  if inflight and inflight >= conc then
    return {{'rate_limited', 'concurrency', plan, fmt(rpm), left, fmt(reset), '1000', fmt(conc)}}
  end
  local counted = 1
  if peek then counted = 0 end
  return {{'allowed', '', plan, fmt(rpm), fmt(math.max(0, rpm - used - counted)), fmt(reset), '0', fmt(conc)}, w, c + 1, p}
end
local function rate_commit(rl, step)
  redis.call('HSET', rl, 'w', fmt(step[2]), 'c', fmt(step[3]), 'p', fmt(step[4]))
  redis.call('PEXPIRE', rl, 3 * RATE_W)
end
`;

/** KEYS: acct, keys, keystate, rl. ARGV: now, key id ('' for none), key hash, limits json. */
export const HIT = `${HELPERS}${LIMIT_HELPERS}
local now = tonumber(ARGV[1])
if not admits(KEYS[2], KEYS[3], ARGV[2], ARGV[3], now) then return {'key_refused'} end
local plan, rpm, conc = plan_limit(KEYS[1], ARGV[4])
local step = rate_step(KEYS[4], now, plan, rpm, conc, nil)
if step[1][1] == 'allowed' then rate_commit(KEYS[4], step) end
return step[1]
`;

/** KEYS: acct, hexp, inflight, rl. ARGV: call id, limits json, ttl ms, now. */
export const BEGIN = `${HELPERS}${LIMIT_HELPERS}
local now = tonumber(ARGV[4])
local plan, rpm, conc = plan_limit(KEYS[1], ARGV[2])
local step = rate_step(KEYS[4], now, plan, rpm, conc, in_flight(KEYS[2], KEYS[3], now))
if step[1][1] == 'allowed' then
  redis.call('ZADD', KEYS[3], 'NX', fmt(now + tonumber(ARGV[3])), ARGV[1])
  redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[3]) + RATE_W)
  rate_commit(KEYS[4], step)
end
return step[1]
`;

/** KEYS: inflight. ARGV: call id. */
export const END = `
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
`;
