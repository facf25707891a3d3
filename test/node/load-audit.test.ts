import { describe, expect, it } from "vitest";
import { type AccountAudit, checkInvariants } from "../../scripts/load/audit.ts";
import type { Outcome } from "../../scripts/load/client.ts";
import { unexpected } from "../../scripts/load/expect.ts";
import { type PlannedCall, planCalls } from "../../scripts/load/plan.ts";

/** The load test's own judgement (npm run load): its checks fail on what they are there to catch. */

const call = (index: number, overrides: Partial<PlannedCall> = {}): PlannedCall => ({
  index,
  account: 0,
  provider: "openai",
  stream: false,
  fate: "ok",
  requestId: `load-1-${index}`,
  body: "{}",
  leaveAfterMs: 0,
  ...overrides,
});

const outcome = (planned: PlannedCall, overrides: Partial<Outcome> = {}): Outcome => ({
  call: planned,
  status: 200,
  code: null,
  message: null,
  chargedMicros: 1404,
  done: false,
  left: null,
  failure: null,
  ms: 10,
  ...overrides,
});

let seq = 0;
const entry = (amount: number, balanceAfter: number, reason = "usage", requestId: string | null = null) => ({
  id: `le_${++seq}`,
  amount_micros: amount,
  reason,
  balance_after_micros: balanceAfter,
  request_id: requestId,
  uncollected_micros: null,
});

/** One account: a 1,000,000 µcr grant, then one plain call charged 1404 µcr (newest first). */
function healthy(): { audits: AccountAudit[]; outcomes: Outcome[] } {
  const account = { index: 0, apiKey: "k", accountId: "acct_1", grantedMicros: 1_000_000 };
  return {
    audits: [
      {
        account,
        balanceMicros: 998_596,
        heldMicros: 0,
        dailyChargedMicros: 1404,
        entries: [entry(-1404, 998_596, "usage", "load-1-0"), entry(1_000_000, 1_000_000, "admin_grant")],
      },
    ],
    outcomes: [outcome(call(0))],
  };
}

const failed = (audits: AccountAudit[], outcomes: Outcome[], reached = new Set<number>()) =>
  checkInvariants(audits, outcomes, new Set(), reached)
    .filter((check) => !check.pass)
    .map((check) => check.name);

describe("npm run load: the audit", () => {
  it("passes a consistent run", () => {
    const { audits, outcomes } = healthy();
    expect(failed(audits, outcomes)).toEqual([]);
  });

  it("fails a ledger that does not sum to its balance, and a hold left behind", () => {
    const { audits, outcomes } = healthy();
    const [audit] = audits as [AccountAudit];
    audit.balanceMicros = 998_000;
    audit.heldMicros = 50_000;
    expect(failed(audits, outcomes)).toEqual(
      expect.arrayContaining(["ledger sums to balance (every account)", "no hold remains"]),
    );
  });

  it("fails a plain answer whose x-credits-charged is not its usage entry, and a charged failure", () => {
    const { audits, outcomes } = healthy();
    (outcomes[0] as Outcome).chargedMicros = 1000;
    expect(failed(audits, outcomes)).toContain("plain 200: x-credits-charged = its usage entry");
    const refused = healthy();
    (refused.outcomes[0] as Outcome).status = 502;
    expect(failed(refused.audits, refused.outcomes)).toEqual(["failed calls are free (non-200 answers)"]);
  });

  it("fails a call charged twice, and a client that left after the provider got the call for free", () => {
    const { audits, outcomes } = healthy();
    const [audit] = audits as [AccountAudit];
    audit.entries.unshift(entry(-1404, 997_192, "usage", "load-1-0"));
    audit.balanceMicros = 997_192;
    audit.dailyChargedMicros = 2808;
    expect(failed(audits, outcomes)).toEqual([
      "no call charged twice",
      "plain 200: x-credits-charged = its usage entry",
    ]);
    const left = healthy();
    left.outcomes.push(outcome(call(1, { stream: true, fate: "leave-mid" }), { left: "mid", chargedMicros: null }));
    expect(failed(left.audits, left.outcomes, new Set([1]))).toEqual([
      "a client that leaves after the provider got the call pays",
    ]);
  });

  it("judges answers by the call's plan: a 502 only from an injected fault, never a 500", () => {
    expect(unexpected(outcome(call(0, { fate: "upstream-5xx" }), { status: 502, code: "PROVIDER_ERROR" }))).toBeNull();
    expect(unexpected(outcome(call(0), { status: 502, code: "PROVIDER_ERROR" }))).toMatch(/502 PROVIDER_ERROR/);
    expect(unexpected(outcome(call(0, { fate: "upstream-5xx" }), { status: 500, code: "INTERNAL_ERROR" }))).toBe("500");
    expect(unexpected(outcome(call(0), { status: 402, code: "INSUFFICIENT_CREDITS" }))).toBeNull();
    const timeout = outcome(call(0), { status: 503, code: "STORE_UNAVAILABLE" });
    expect(unexpected(timeout)).toBeNull();
    expect(unexpected(timeout, true)).toMatch(/503 STORE_UNAVAILABLE/);
  });

  it("plans the same calls for the same seed", () => {
    const options = { calls: 200, accounts: 8, seed: 5, stallFirstByteMs: 7000 };
    expect(planCalls(options)).toEqual(planCalls(options));
    expect(planCalls({ ...options, seed: 6 })).not.toEqual(planCalls(options));
    const fates = new Set(planCalls({ ...options, calls: 2000 }).map((c) => c.fate));
    expect([...fates].sort()).toEqual([
      "error-mid",
      "leave-early",
      "leave-mid",
      "ok",
      "stall-first-byte",
      "stall-mid",
      "upstream-429",
      "upstream-5xx",
    ]);
  });
});
