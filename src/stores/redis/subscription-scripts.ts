/**
 * Subscription scripts, on the account's keys (all under its hash tag). The plan is the `plan` field
 * of the account hash (where the rate limiter reads it; absent: the default plan), beside
 * `plan_changed_at` (the last plan change applied, ms) and `stripe_customer`. `pay` gains
 * `v:<invoice>` (the event that granted it) and `va:<invoice>` (the allowance it granted, µcr, which
 * a refund or dispute of its payment takes a share of). Same rules as the Durable Object adapter.
 */

import { PAYMENT_HELPERS } from "./payment-scripts.ts";

const PLAN_HELPERS = `${PAYMENT_HELPERS}
-- Sets the plan ('' = the default plan) unless a later change was applied; true when it was set.
local function apply_plan(acct, plan, at)
  local last = redis.call('HGET', acct, 'plan_changed_at')
  if last and at < tonumber(last) then return false end
  if plan == '' then redis.call('HDEL', acct, 'plan') else redis.call('HSET', acct, 'plan', plan) end
  redis.call('HSET', acct, 'plan_changed_at', fmt(at))
  return true
end
`;

/**
 * KEYS: acct, ledger, idem, pay, pevents, holds, hexp, owing, analytics money (an:m:<day>).
 * ARGV: event id, invoice id, plan id, amount, changed at, now, record json (plan set), record json
 * (plan change stale), record json (invoice already granted), allowance entry json, collected-owed json,
 * cents paid (cash revenue, counted once per invoice, allowance or not). Answers as PURCHASE.
 */
export const PLAN_ALLOWANCE = `${PLAN_HELPERS}
local acct, ledger, idem, pay, pevents, holds, hexp = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local event, invoice, plan = ARGV[1], ARGV[2], ARGV[3]
local amount, changed_at, now = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local function answer(status, member)
  local s = state(acct, holds, hexp, now)
  return {status, member, s[1], s[2], s[3]}
end
local old = seen(pay, pevents, event)
if old then return answer('replayed', old) end
if redis.call('EXISTS', acct) == 0 then return {'account_not_found'} end
if redis.call('HEXISTS', pay, 'v:' .. invoice) == 1 then
  return answer('applied', note(pay, pevents, event, 'unchanged', 0, 0, ARGV[9]))
end
if amount > MAX_SAFE - balance_of(acct) then
  return answer('applied', note(pay, pevents, event, 'limit_exceeded', 0, 0, ARGV[7]))
end
redis.call('HSET', pay, 'v:' .. invoice, event, 'va:' .. invoice, fmt(amount))
local applied = apply_plan(acct, plan, changed_at)
local collected = 0
local dims = an_dims(acct)
an_money(KEYS[9], dims, 'purchase_cents', tonumber(ARGV[12]))
if amount > 0 then
  write(acct, ledger, idem, 'payment:' .. event .. ':plan_allowance', amount, '', ARGV[10])
  collected = collect(acct, ledger, idem, pay, KEYS[8], event, ARGV[11])
  an_entry(KEYS[9], dims, 'plan_allowance', amount)
  an_money(KEYS[9], dims, 'clawback_micros', collected)
end
local json = ARGV[8]
if applied then json = ARGV[7] end
return answer('applied', note(pay, pevents, event, 'granted', amount - collected, -collected, json))
`;

/**
 * KEYS: acct, pay, pevents, holds, hexp. ARGV: event id, plan id ('' for the default), changed at,
 * now, record json. Answers as PURCHASE.
 */
export const SET_PLAN = `${PLAN_HELPERS}
local acct, pay, pevents, holds, hexp = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now = tonumber(ARGV[4])
local function answer(status, member)
  local s = state(acct, holds, hexp, now)
  return {status, member, s[1], s[2], s[3]}
end
local old = seen(pay, pevents, ARGV[1])
if old then return answer('replayed', old) end
if redis.call('EXISTS', acct) == 0 then return {'account_not_found'} end
local outcome = 'stale'
if apply_plan(acct, ARGV[2], tonumber(ARGV[3])) then outcome = 'plan_changed' end
return answer('applied', note(pay, pevents, ARGV[1], outcome, 0, 0, ARGV[5]))
`;

/** KEYS: acct. ARGV: customer id. The first customer linked stays. */
export const LINK_CUSTOMER = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'account_not_found'} end
if redis.call('HSETNX', KEYS[1], 'stripe_customer', ARGV[1]) == 1 then return {'linked', ARGV[1]} end
return {'kept', redis.call('HGET', KEYS[1], 'stripe_customer')}
`;
