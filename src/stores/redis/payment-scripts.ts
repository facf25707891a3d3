/**
 * Payment scripts: a purchase, a refund or dispute, or an event that moves no money, each one
 * script on the account's keys (all under its hash tag), so the payment state, the balance, the
 * ledger entries and the event record land together. Same rules as the Durable Object adapter
 * (src/stores/payment-ports.ts).
 *
 * `pay` (hash): `i:<intent>:<field>` per payment intent (paid, granted, refunded, disputed, clawed,
 * owed), `d:<dispute>` (its share, or 'won'), `s:<session>` (the event that granted it), `e:<event>`
 * (its record's seq), `seq`. `pevents` (sorted set): `seq|outcome|changed|owed|json` records.
 * `owing` (set): the intents with something owed. `acct` gains `owed` (the account's total owed) and
 * `disputed_at`.
 */

import { ANALYTICS_LUA } from "./analytics-scripts.ts";
import { HELPERS } from "./lua-helpers.ts";

export const PAYMENT_HELPERS = `${HELPERS}${ANALYTICS_LUA}
local function pget(pay, intent, field) return tonumber(redis.call('HGET', pay, 'i:' .. intent .. ':' .. field) or '0') end
local function pincr(pay, intent, field, by) redis.call('HINCRBY', pay, 'i:' .. intent .. ':' .. field, fmt(by)) end
-- shareMicros: ceil(micros x part / whole), part at most whole, exact for micros < 2^53 and whole
-- < 2^36 (doubles cannot hold the product): long division of micros, in base-2^16 digits, times part.
local function share(micros, part, whole)
  if whole <= 0 or part <= 0 then return 0 end
  part = math.min(part, whole)
  local digits = {}
  for i = 1, 4 do
    digits[i] = micros % 65536
    micros = (micros - digits[i]) / 65536
  end
  local result, rem = 0, 0
  for i = 4, 1, -1 do
    local cur = rem * 65536 + digits[i] * part
    local q = math.floor(cur / whole)
    rem = cur - q * whole
    while rem < 0 do q, rem = q - 1, rem + whole end
    while rem >= whole do q, rem = q + 1, rem - whole end
    result = result * 65536 + q
  end
  if rem > 0 then result = result + 1 end
  return result
end
local function seen(pay, pevents, event)
  local seq = redis.call('HGET', pay, 'e:' .. event)
  if not seq then return nil end
  return redis.call('ZRANGEBYSCORE', pevents, seq, seq)[1]
end
local function note(pay, pevents, event, outcome, changed, owed, json)
  local seq = redis.call('HINCRBY', pay, 'seq', 1)
  local member = fmt(seq) .. '|' .. outcome .. '|' .. fmt(changed) .. '|' .. fmt(owed) .. '|' .. json
  redis.call('ZADD', pevents, fmt(seq), member)
  redis.call('HSET', pay, 'e:' .. event, fmt(seq))
  return member
end
-- Brings clawed + owed for the intent to what is due: takes what the balance holds and records the
-- rest as owed, or, when less is due, cancels what is owed first and gives back the rest.
local function reconcile(acct, ledger, idem, pay, owing, intent, event, jclaw, jshort, jrev)
  local due = math.min(pget(pay, intent, 'granted'), pget(pay, intent, 'refunded') + pget(pay, intent, 'disputed'))
  local owed = pget(pay, intent, 'owed')
  local delta = due - (pget(pay, intent, 'clawed') + owed)
  local changed, short = 0, 0
  if delta > 0 then
    local take = math.min(delta, math.max(0, balance_of(acct)))
    changed, short = -take, delta - take
    if take > 0 then write(acct, ledger, idem, 'payment:' .. event .. ':clawback', -take, '', jclaw) end
    if short > 0 then write(acct, ledger, idem, 'payment:' .. event .. ':uncollected', 0, fmt(short), jshort) end
  elseif delta < 0 then
    local forgiven = math.min(owed, -delta)
    changed, short = -delta - forgiven, -forgiven
    write(acct, ledger, idem, 'payment:' .. event .. ':reversal', changed, '', jrev)
  end
  pincr(pay, intent, 'clawed', -changed)
  pincr(pay, intent, 'owed', short)
  if owed + short > 0 then redis.call('SADD', owing, intent) else redis.call('SREM', owing, intent) end
  redis.call('HINCRBY', acct, 'owed', fmt(short))
  return changed, short
end
-- What earlier claw-backs left owed is taken from a new purchase, payment intents in id order.
local function collect(acct, ledger, idem, pay, owing, event, json)
  local take = math.min(tonumber(redis.call('HGET', acct, 'owed') or '0'), math.max(0, balance_of(acct)))
  if take <= 0 then return 0 end
  local intents = redis.call('SMEMBERS', owing)
  table.sort(intents)
  local left = take
  for _, intent in ipairs(intents) do
    local owed = pget(pay, intent, 'owed')
    local part = math.min(owed, left)
    pincr(pay, intent, 'owed', -part)
    pincr(pay, intent, 'clawed', part)
    if owed - part <= 0 then redis.call('SREM', owing, intent) end
    left = left - part
    if left <= 0 then break end
  end
  redis.call('HINCRBY', acct, 'owed', fmt(-take))
  write(acct, ledger, idem, 'payment:' .. event .. ':collect', -take, '', json)
  return take
end
`;

/**
 * KEYS: acct, ledger, idem, pay, pevents, holds, hexp, owing, analytics money (an:m:<day>).
 * ARGV: event id, session id, intent, paid cents, amount, now, record json, purchase json, clawback json,
 * uncollected json, collected-owed json.
 * Returns {status, record member, balance, held, unbilled} or {'account_not_found'}.
 */
export const PURCHASE = `${PAYMENT_HELPERS}
local acct, ledger, idem, pay, pevents, holds, hexp = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local event, session, intent = ARGV[1], ARGV[2], ARGV[3]
local amount, now = tonumber(ARGV[5]), tonumber(ARGV[6])
local function answer(status, member)
  local s = state(acct, holds, hexp, now)
  return {status, member, s[1], s[2], s[3]}
end
local old = seen(pay, pevents, event)
if old then return answer('replayed', old) end
if redis.call('EXISTS', acct) == 0 then return {'account_not_found'} end
if redis.call('HEXISTS', pay, 's:' .. session) == 1 then
  return answer('applied', note(pay, pevents, event, 'unchanged', 0, 0, ARGV[7]))
end
if amount > MAX_SAFE - balance_of(acct) then
  return answer('applied', note(pay, pevents, event, 'limit_exceeded', 0, 0, ARGV[7]))
end
redis.call('HSET', pay, 's:' .. session, event, 'i:' .. intent .. ':paid', ARGV[4])
pincr(pay, intent, 'granted', amount)
write(acct, ledger, idem, 'payment:' .. event .. ':purchase', amount, '', ARGV[8])
local changed, owed = reconcile(acct, ledger, idem, pay, KEYS[8], intent, event, ARGV[9], ARGV[10], '')
local collected = collect(acct, ledger, idem, pay, KEYS[8], event, ARGV[11])
local dims = an_dims(acct)
an_money(KEYS[9], dims, 'purchase_cents', tonumber(ARGV[4]))
an_entry(KEYS[9], dims, 'purchase', amount)
an_reconciled(KEYS[9], dims, changed, owed)
an_money(KEYS[9], dims, 'clawback_micros', collected)
return answer('applied', note(pay, pevents, event, 'granted', amount + changed - collected, owed - collected, ARGV[7]))
`;

/**
 * KEYS: acct, ledger, idem, pay, pevents, holds, hexp, owing, analytics money (an:m:<day>).
 * ARGV: event id, intent, paid cents, kind (refund | dispute | dispute_won), dispute id, target µcr, now,
 * record json, clawback json, uncollected json, reversal json, cents (refunded so far, or disputed),
 * invoice id ('' for a credit purchase's payment).
 * Answers as PURCHASE. Cash for the aggregates: a refund gives back what its cumulative refunded
 * cents add (`i:<intent>:rcents` keeps the largest seen), a dispute opened its cents (`dc:<dispute>`),
 * a dispute won after it opened recovers them. A subscription invoice's payment stands for the
 * allowance the invoice granted (`va:<invoice>`, subscription-scripts.ts), linked while the intent has
 * nothing granted; its targets are that allowance's share of the cents.
 */
export const ADJUST = `${PAYMENT_HELPERS}
local acct, ledger, idem, pay, pevents, holds, hexp = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local event, intent, kind, dispute = ARGV[1], ARGV[2], ARGV[4], ARGV[5]
local target, now = tonumber(ARGV[6]), tonumber(ARGV[7])
local function answer(status, member)
  local s = state(acct, holds, hexp, now)
  return {status, member, s[1], s[2], s[3]}
end
local old = seen(pay, pevents, event)
if old then return answer('replayed', old) end
if redis.call('EXISTS', acct) == 0 then return {'account_not_found'} end
redis.call('HSETNX', pay, 'i:' .. intent .. ':paid', ARGV[3])
local dims = an_dims(acct)
local prior = redis.call('HGET', pay, 'd:' .. dispute)
local cents = tonumber(ARGV[12])
if kind == 'refund' then
  local before = pget(pay, intent, 'rcents')
  if cents > before then
    redis.call('HSET', pay, 'i:' .. intent .. ':rcents', fmt(cents))
    an_money(KEYS[9], dims, 'refunded_cents', cents - before)
  end
elseif kind == 'dispute' then
  if not prior then
    redis.call('HSET', pay, 'dc:' .. dispute, fmt(cents))
    an_money(KEYS[9], dims, 'refunded_cents', cents)
  end
elseif prior and prior ~= 'won' then
  an_money(KEYS[9], dims, 'recovered_cents', tonumber(redis.call('HGET', pay, 'dc:' .. dispute) or '0'))
end
local granted = pget(pay, intent, 'granted')
local invoice = ARGV[13]
local pending = granted == 0
if invoice ~= '' then
  local allowance = redis.call('HGET', pay, 'va:' .. invoice)
  pending = not allowance
  allowance = tonumber(allowance or '0')
  if granted == 0 then
    redis.call('HSET', pay, 'i:' .. intent .. ':granted', fmt(allowance), 'i:' .. intent .. ':paid', ARGV[3])
  end
  target = share(allowance, cents, tonumber(ARGV[3]))
end
if kind == 'refund' then
  if target > pget(pay, intent, 'refunded') then redis.call('HSET', pay, 'i:' .. intent .. ':refunded', fmt(target)) end
else
  local d = redis.call('HGET', pay, 'd:' .. dispute)
  if kind == 'dispute' then
    redis.call('HSETNX', acct, 'disputed_at', fmt(now))
    if not d then
      redis.call('HSET', pay, 'd:' .. dispute, fmt(target))
      pincr(pay, intent, 'disputed', target)
    end
  elseif not d then
    -- Won before it was seen opening: its opening, if it comes, takes nothing.
    redis.call('HSET', pay, 'd:' .. dispute, 'won')
  elseif d ~= 'won' then
    redis.call('HSET', pay, 'd:' .. dispute, 'won')
    pincr(pay, intent, 'disputed', -tonumber(d))
  end
end
local changed, owed = reconcile(acct, ledger, idem, pay, KEYS[8], intent, event, ARGV[9], ARGV[10], ARGV[11])
an_reconciled(KEYS[9], dims, changed, owed)
local outcome = 'unchanged'
if pending then outcome = 'pending'
elseif changed < 0 or owed > 0 then outcome = 'clawed_back'
elseif changed > 0 or owed < 0 then outcome = 'reversed' end
return answer('applied', note(pay, pevents, event, outcome, changed, owed, ARGV[8]))
`;

/** KEYS: acct, pay, pevents. ARGV: event id, record json, '1' when the account must exist. */
export const RECORD = `${PAYMENT_HELPERS}
if seen(KEYS[2], KEYS[3], ARGV[1]) then return 'replayed' end
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return 'account_not_found' end
note(KEYS[2], KEYS[3], ARGV[1], 'recorded', 0, 0, ARGV[2])
return 'recorded'
`;

/** KEYS: acct, pevents. ARGV: limit. Returns {records newest first, owed, disputed at}. */
export const PAYMENT_EVENTS = `
local standing = redis.call('HMGET', KEYS[1], 'owed', 'disputed_at')
return {redis.call('ZREVRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1), standing[1] or '0', standing[2] or ''}
`;
