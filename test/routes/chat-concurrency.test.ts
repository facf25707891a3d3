import { describe, expect, it } from "vitest";
import { account, chat, funded, prompt, usageEntries } from "../helpers/chat.ts";

describe("concurrent calls", () => {
  it("100 concurrent calls from an account that can afford 20 never overspend, and every charge has its entry", async () => {
    // One hold: input bound (6 + 8 + 64 tokens) x 27 µcr + 200 output tokens x 108 µcr.
    const hold = (6 + 8 + 64) * 27 + 200 * 108;
    const { key } = await funded((hold * 20) / 1_000_000);
    const before = await account(key);
    const results = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const res = await chat(key, {
          max_tokens: 200,
          messages: [{ role: "user", content: prompt("").content.slice(0, 6) }],
        });
        return {
          status: res.status,
          charged: res.headers.get("x-credits-charged"),
          id: res.headers.get("x-request-id"),
        };
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(results.every((r) => r.status === 200 || r.status === 402)).toBe(true);
    expect(ok.length).toBeGreaterThanOrEqual(20);
    const after = await account(key);
    expect(after.held_micros).toBe(0);
    expect(after.credits_micros).toBeGreaterThanOrEqual(0);
    const entries = await usageEntries(key);
    // one usage entry per answered call, for exactly the charge it reported
    expect(entries.map((e) => e.request_id).sort()).toEqual(ok.map((r) => r.id).sort());
    const charged = ok.reduce((sum, r) => sum + Math.round(Number(r.charged) * 1_000_000), 0);
    expect(entries.reduce((sum, e) => sum - e.amount_micros, 0)).toBe(charged);
    expect(before.credits_micros - after.credits_micros).toBe(charged);
  });
});
