import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { AccountKeys } from "../../src/stores/durable-object/account-keys.ts";
import { classifyDurableObjectError, createDurableObjectStore } from "../../src/stores/durable-object/store.ts";
import type { CreditRequest } from "../../src/stores/ports.ts";

const store = createDurableObjectStore(env);
const acct = () => `acct_do${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;

describe("Durable Object store", () => {
  it("an exception thrown by the object's own code is a fault: logged, 500 INTERNAL_ERROR, not an outage", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      // A ledger entry without a reason breaks a NOT NULL constraint: the object answers, with an error.
      const broken = { amount_micros: 1, reason: null, reference: null, idempotency_key: "x", create_account: true };
      await expect(store.ledger.credit(acct(), broken as unknown as CreditRequest, Date.now())).rejects.toMatchObject({
        code: "INTERNAL_ERROR",
        status: 500,
      });
      const logged = errors.mock.calls.map(([line]) => JSON.parse(String(line)));
      expect(logged).toContainEqual(
        expect.objectContaining({ level: "error", msg: "store fault", store: "durable-object", op: "ledger.credit" }),
      );
    } finally {
      errors.mockRestore();
    }
  });

  it("infrastructure errors (overloaded, retryable, not from the object's code) are the store being unavailable", () => {
    const remote = Object.assign(new Error("SQLITE_CONSTRAINT"), { remote: true });
    expect(classifyDurableObjectError(remote)).toBe("fault");
    expect(classifyDurableObjectError(Object.assign(new Error("reset"), { remote: true, retryable: true }))).toBe(
      "unavailable",
    );
    expect(classifyDurableObjectError(Object.assign(new Error("busy"), { overloaded: true }))).toBe("unavailable");
    expect(classifyDurableObjectError(new Error("Network connection lost."))).toBe("unavailable");
  });

  it("an account object from before last use moved into it gains the column and keeps its keys", async () => {
    const account = acct();
    await store.ledger.credit(
      account,
      { amount_micros: 5, reason: "admin_grant", reference: null, idempotency_key: "seed", create_account: true },
      Date.now(),
    );
    await runInDurableObject(env.ACCOUNTS.get(env.ACCOUNTS.idFromName(account)), (_, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE keys");
      sql.exec(`CREATE TABLE keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, prefix TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, revoked_at INTEGER)`);
      sql.exec(
        "INSERT INTO keys (id, name, prefix, hash, created_at) VALUES ('key_old', 'old', 'aib_old', 'h-old', 1)",
      );
      new AccountKeys(sql);
    });
    const now = Date.now();
    const key = { key_id: "key_old", hash: "h-old" };
    expect((await store.ledger.balance(account, now, key)).balance_micros).toBe(5);
    expect(await store.accounts.listKeys(account, null)).toMatchObject([{ id: "key_old", last_used_at: now }]);
  });
});
