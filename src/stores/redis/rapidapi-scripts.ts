import { ANALYTICS_LUA } from "./analytics-scripts.ts";
import { HELPERS } from "./lua-helpers.ts";

/**
 * One RapidAPI accrual, atomically (see src/stores/rapidapi-ports.ts). `unbilled` carries what is
 * owed and not yet billed; the credits billed are exact: fmod is exact on doubles, so the division
 * below is too, for every integer balance up to 2^53 - 1.
 * The call's accrual also ends it: its in-flight marker (limit-scripts.ts) goes in the same step.
 * KEYS: acct, ledger, idem, daily, analytics usage (an:u:<day>), analytics accounts (an:a:<day>), inflight.
 * ARGV: call id, amount µcr ('' bills only), bill (1/0), account id, plan ('' for none), now, entry json,
 * UTC day, provider, model, cost nano-USD, cost atto-USD remainder, billing lost (1/0).
 * A billing-lost step replaying a call that billed credits gives them back to owed, once.
 */
export const ACCRUE = `${HELPERS}${ANALYTICS_LUA}
local acct, ledger, idem, daily = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local call, now, day = ARGV[1], tonumber(ARGV[6]), ARGV[8]
redis.call('ZREM', KEYS[7], call)
local function outcome(status, credits)
  local v = redis.call('HMGET', acct, 'balance', 'unbilled')
  return {status, fmt(credits), v[2] or '0', fmt(-tonumber(v[1] or '0'))}
end
local prior = redis.call('HGET', idem, 'rapid:' .. call)
if prior then
  local billed = tonumber(prior)
  if ARGV[13] == '1' and billed > 0 then
    redis.call('HINCRBY', acct, 'unbilled', fmt(billed * 1000000))
    redis.call('HINCRBY', daily, 'b:' .. day, fmt(-billed))
    redis.call('HSET', idem, 'rapid:' .. call, '0')
    return outcome('replayed', 0)
  end
  return outcome('replayed', billed)
end
ensure(acct, ARGV[4], 'rapidapi', now)
if ARGV[5] ~= '' then redis.call('HSET', acct, 'plan', ARGV[5]) end
if ARGV[2] ~= '' then
  local amount = tonumber(ARGV[2])
  write(acct, ledger, idem, 'usage:rapid:' .. call, -amount, '', ARGV[7])
  redis.call('HINCRBY', acct, 'unbilled', fmt(amount))
  redis.call('HINCRBY', daily, 'c:' .. day, fmt(amount))
  redis.call('HINCRBY', daily, 'n:' .. day, 1)
  an_usage(KEYS[5], KEYS[6], an_dims(acct), ARGV[4], ARGV[9], ARGV[10], amount, ARGV[11], ARGV[12], 0)
end
local credits = 0
if ARGV[3] == '1' then
  local unbilled = tonumber(redis.call('HGET', acct, 'unbilled') or '0')
  if unbilled > 0 then
    local rest = math.fmod(unbilled, 1000000)
    credits = (unbilled - rest) / 1000000
    if rest > 0 then credits = credits + 1 end
    redis.call('HINCRBY', acct, 'unbilled', fmt(-credits * 1000000))
    redis.call('HINCRBY', daily, 'b:' .. day, fmt(credits))
  end
end
redis.call('HSET', idem, 'rapid:' .. call, fmt(credits))
return outcome('applied', credits)
`;
