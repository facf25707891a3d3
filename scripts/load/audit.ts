// After the load: waits for every account's holds to drain, reads every ledger entry through the
// public API (GET /v1/balance, GET /v1/usage paged with next_cursor) and checks the money invariants
// against what the client saw. Each check is PASS or FAIL with the first few counter-examples.
import type { Outcome } from "./client.ts";

export interface LoadAccount {
  index: number;
  apiKey: string;
  accountId: string;
  grantedMicros: number;
}

interface Balance {
  credits_micros: number;
  held_micros: number;
}

interface Entry {
  id: string;
  amount_micros: number;
  reason: string;
  balance_after_micros: number;
  request_id: string | null;
  uncollected_micros: number | null;
}

export interface AccountAudit {
  account: LoadAccount;
  balanceMicros: number;
  heldMicros: number;
  entries: Entry[];
  /** Sum of today's and yesterday's `daily` usage charges. */
  dailyChargedMicros: number;
}

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function getJson<T>(url: string, apiKey: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(15_000) });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Polls every account's balance until none holds anything (settles are sent after the answer). */
export async function waitForHolds(url: string, accounts: LoadAccount[], timeoutMs: number) {
  const started = Date.now();
  for (;;) {
    const balances = await Promise.all(accounts.map((a) => getJson<Balance>(`${url}/v1/balance`, a.apiKey)));
    const held = balances.reduce((sum, b) => sum + b.held_micros, 0);
    if (held === 0 || Date.now() - started > timeoutMs) return { waitedMs: Date.now() - started, heldMicros: held };
    await sleep(250);
  }
}

export async function readAccount(url: string, account: LoadAccount): Promise<AccountAudit> {
  const balance = await getJson<Balance>(`${url}/v1/balance`, account.apiKey);
  const entries: Entry[] = [];
  let dailyChargedMicros = 0;
  let cursor: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const query = `limit=100&days=2${cursor ? `&cursor=${cursor}` : ""}`;
    const usage: { data: Entry[]; next_cursor: string | null; daily: { charged_micros: number }[] } = await getJson(
      `${url}/v1/usage?${query}`,
      account.apiKey,
    );
    if (page === 0) dailyChargedMicros = usage.daily.reduce((sum, day) => sum + day.charged_micros, 0);
    entries.push(...usage.data);
    cursor = usage.next_cursor;
    if (!cursor) break;
  }
  // credits_micros is the balance minus holds; with no hold left it is the balance.
  return {
    account,
    balanceMicros: balance.credits_micros + balance.held_micros,
    heldMicros: balance.held_micros,
    entries,
    dailyChargedMicros,
  };
}

/** Up to three examples, then how many more. */
function examples(items: string[]): string {
  if (items.length === 0) return "";
  return `${items.slice(0, 3).join("; ")}${items.length > 3 ? `; and ${items.length - 3} more` : ""}`;
}

function check(name: string, failures: string[], passDetail: string): Check {
  return { name, pass: failures.length === 0, detail: failures.length === 0 ? passDetail : examples(failures) };
}

/** The invariants, over every account and every call of the run. */
export function checkInvariants(
  audits: AccountAudit[],
  outcomes: Outcome[],
  probeRequestIds: Set<string>,
  /** Indexes of the planned calls whose request reached a fake upstream. */
  reachedUpstream: Set<number>,
): Check[] {
  const checks: Check[] = [];
  const label = (a: AccountAudit) => `account ${a.account.index} (${a.account.accountId})`;

  const sumFailures: string[] = [];
  const chainFailures: string[] = [];
  const heldFailures: string[] = [];
  const negativeFailures: string[] = [];
  const grantFailures: string[] = [];
  const dailyFailures: string[] = [];
  for (const a of audits) {
    const sum = a.entries.reduce((total, e) => total + e.amount_micros, 0);
    if (sum !== a.balanceMicros) sumFailures.push(`${label(a)}: entries sum to ${sum}, balance ${a.balanceMicros}`);
    // Newest first: each entry's balance_after is the older one's plus its own amount.
    for (const [i, e] of a.entries.entries()) {
      const older = a.entries[i + 1];
      const before = older ? older.balance_after_micros : 0;
      if (e.balance_after_micros !== before + e.amount_micros) {
        chainFailures.push(
          `${label(a)}: entry ${e.id} balance_after ${e.balance_after_micros} ≠ ${before} + ${e.amount_micros}`,
        );
      }
      if (e.balance_after_micros < 0)
        negativeFailures.push(`${label(a)}: entry ${e.id} left ${e.balance_after_micros}`);
    }
    if (a.entries[0] && a.entries[0].balance_after_micros !== a.balanceMicros) {
      chainFailures.push(
        `${label(a)}: newest entry says ${a.entries[0].balance_after_micros}, balance ${a.balanceMicros}`,
      );
    }
    if (a.heldMicros !== 0) heldFailures.push(`${label(a)}: ${a.heldMicros} µcr still held`);
    if (a.balanceMicros < 0) negativeFailures.push(`${label(a)}: balance ${a.balanceMicros}`);
    const grants = a.entries.filter((e) => e.reason === "admin_grant");
    const granted = grants.reduce((total, e) => total + e.amount_micros, 0);
    if (granted !== a.account.grantedMicros) {
      grantFailures.push(`${label(a)}: ${grants.length} grants of ${granted} µcr, expected ${a.account.grantedMicros}`);
    }
    const usageCharged = -a.entries.filter((e) => e.reason === "usage").reduce((t, e) => t + e.amount_micros, 0);
    if (usageCharged !== a.dailyChargedMicros) {
      dailyFailures.push(`${label(a)}: usage entries charge ${usageCharged}, daily totals ${a.dailyChargedMicros}`);
    }
  }
  checks.push(check("ledger sums to balance (every account)", sumFailures, `${audits.length} accounts`));
  checks.push(check("balance_after chain is consistent", chainFailures, "every entry"));
  checks.push(check("no hold remains", heldFailures, "held_micros = 0 everywhere"));
  checks.push(check("no balance is negative", negativeFailures, "balances and every balance_after ≥ 0"));
  checks.push(check("grants applied once (Idempotency-Key replays)", grantFailures, "one admin_grant per grant"));
  checks.push(check("daily totals equal usage entries", dailyFailures, "every account"));

  // Per call, by request id (the client sent its own x-request-id).
  const usageByRequest = new Map<string, Entry[]>();
  const accountOfEntry = new Map<string, number>();
  for (const a of audits) {
    for (const e of a.entries) {
      if (e.reason !== "usage" || e.request_id === null) continue;
      usageByRequest.set(e.request_id, [...(usageByRequest.get(e.request_id) ?? []), e]);
      accountOfEntry.set(e.id, a.account.index);
    }
  }
  const twiceFailures: string[] = [];
  const plainFailures: string[] = [];
  const freeFailures: string[] = [];
  const completeFailures: string[] = [];
  const strayFailures: string[] = [];
  const ownerOf = new Map(outcomes.map((o) => [o.call.requestId, o.call.account]));
  for (const [id, entries] of usageByRequest) {
    if (entries.length > 1) twiceFailures.push(`${id}: ${entries.length} usage entries`);
    const owner = ownerOf.get(id);
    if (owner === undefined && !probeRequestIds.has(id))
      strayFailures.push(`${id}: a usage entry for no call of the run`);
    for (const e of entries) {
      if (owner !== undefined && accountOfEntry.get(e.id) !== owner) {
        strayFailures.push(`${id}: charged to account ${accountOfEntry.get(e.id)}, sent by ${owner}`);
      }
    }
  }
  for (const o of outcomes) {
    const entries = usageByRequest.get(o.call.requestId) ?? [];
    const charged = -entries.reduce((t, e) => t + e.amount_micros, 0);
    if (o.left) continue; // charged an estimate or nothing: reported, not checked per call
    if (o.status === 200 && !o.call.stream) {
      if (entries.length !== 1 || o.chargedMicros !== charged) {
        plainFailures.push(
          `${o.call.requestId}: x-credits-charged ${o.chargedMicros} µcr, ${entries.length} entries charging ${charged}`,
        );
      }
    } else if (o.status === 200 && o.done && entries.length !== 1) {
      completeFailures.push(`${o.call.requestId}: a complete stream with ${entries.length} usage entries`);
    } else if (o.status !== 200 && entries.length > 0) {
      freeFailures.push(`${o.call.requestId}: answered ${o.status} ${o.code} yet charged ${charged} µcr`);
    }
  }
  // DESIGN: once the upstream call is sent the call is never free; a client that leaves pays an estimate.
  const leftFreeFailures: string[] = [];
  let leftReached = 0;
  for (const o of outcomes) {
    if (!o.left || !reachedUpstream.has(o.call.index)) continue;
    leftReached++;
    if (!usageByRequest.has(o.call.requestId)) {
      leftFreeFailures.push(`${o.call.requestId}: left ${o.left} after the provider got the call, yet free`);
    }
  }
  checks.push(
    check(
      "a client that leaves after the provider got the call pays",
      leftFreeFailures,
      `${leftReached} such disconnects, each with its usage entry`,
    ),
  );
  checks.push(check("no call charged twice", twiceFailures, "≤ 1 usage entry per request id"));
  checks.push(check("every usage entry belongs to a call of its account", strayFailures, "all of them"));
  checks.push(
    check("plain 200: x-credits-charged = its usage entry", plainFailures, "exactly, call by call (so the sums too)"),
  );
  checks.push(check("complete streams: one usage entry each", completeFailures, "all of them"));
  checks.push(check("failed calls are free (non-200 answers)", freeFailures, "no usage entry for any of them"));
  return checks;
}
