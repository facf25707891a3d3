/**
 * Lua for the per-day aggregates (src/analytics/types.ts). The scripts of the money operations
 * include it and update the aggregates in the same atomic step as the ledger entries they count;
 * a replay answers before any write, so it counts nothing.
 *
 * The aggregate keys share one global hash tag, `{an}`, not the account's `{a:<id>}`: a script
 * touching both is cross-slot. Upstash's databases are not clustered and accept it (every key is
 * still passed in KEYS); a Redis Cluster deployment would need the aggregates moved out of the scripts.
 *
 * Per UTC day (fields separated by newlines, which neither ids nor header values contain):
 * - `an:u:<day>` usage: `<metric>\n<source>\n<plan>\n<provider>\n<model>`, metrics n (calls),
 *   c (charged µcr), h (provider cost, nano-USD), l (the atto-USD remainder), u (uncollected µcr);
 * - `an:m:<day>` money: `<MoneyMetrics field>\n<source>\n<plan>`;
 * - `an:a:<day>` per account: `c\n<account>` (charged µcr) and `n\n<account>` (calls).
 * `plan` is the account's plan field as recorded ('' for none), mapped to a plan id by the query.
 */
export const ANALYTICS_LUA = `
local function an_dims(acct)
  local v = redis.call('HMGET', acct, 'source', 'plan')
  return (v[1] or 'key') .. '\\n' .. (v[2] or '')
end
local function an_usage(ukey, akey, dims, account, provider, model, charged, nano, atto, uncollected)
  local f = dims .. '\\n' .. provider .. '\\n' .. model
  redis.call('HINCRBY', ukey, 'n\\n' .. f, 1)
  redis.call('HINCRBY', ukey, 'c\\n' .. f, fmt(charged))
  redis.call('HINCRBY', ukey, 'h\\n' .. f, nano)
  redis.call('HINCRBY', ukey, 'l\\n' .. f, atto)
  if uncollected > 0 then redis.call('HINCRBY', ukey, 'u\\n' .. f, fmt(uncollected)) end
  redis.call('HINCRBY', akey, 'c\\n' .. account, fmt(charged))
  redis.call('HINCRBY', akey, 'n\\n' .. account, 1)
end
local function an_money(mkey, dims, field, by)
  if by ~= 0 then redis.call('HINCRBY', mkey, field .. '\\n' .. dims, fmt(by)) end
end
-- A ledger entry that is not usage, by its reason (as moneyFieldOf in src/analytics/types.ts).
local function an_entry(mkey, dims, reason, amount)
  if reason == 'purchase' then an_money(mkey, dims, 'purchase_micros', amount)
  elseif reason == 'clawback' then an_money(mkey, dims, 'clawback_micros', -amount)
  elseif reason == 'reversal' then an_money(mkey, dims, 'reversal_micros', amount)
  elseif reason == 'admin_grant' or reason == 'plan_allowance' then an_money(mkey, dims, 'granted_micros', amount) end
end
-- What a payment's reconcile wrote: a claw-back (changed < 0), a reversal (changed >= 0 with nothing
-- newly owed) and an uncollected entry for what is newly owed (short > 0).
local function an_reconciled(mkey, dims, changed, short)
  if changed < 0 then an_money(mkey, dims, 'clawback_micros', -changed)
  elseif changed > 0 then an_money(mkey, dims, 'reversal_micros', changed) end
  if short > 0 then an_money(mkey, dims, 'owed_micros', short) end
end
`;

/** KEYS: the aggregate hashes to read. Returns one HGETALL per key, in order. */
export const ANALYTICS_READ = `
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HGETALL', key) end
return out
`;
