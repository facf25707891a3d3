import { describe, expect, it } from "vitest";
import type { NewKey, PresentedKey, Store } from "../../src/stores/ports.ts";
import { acct, charge, fund, hold, T0 } from "./contract-helpers.ts";

const newKey = (name = "one"): NewKey => {
  const id = `key_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  return { id, name, prefix: "aib_abcdefgh", hash: `h-${crypto.randomUUID()}` };
};
const presented = (key: NewKey, hash = key.hash): PresentedKey => ({ key_id: key.id, hash });
const refused = { code: "INVALID_API_KEY" };

/** Keys, accounts, and the account's own check of the key a caller presents. Part of storeContract. */
export function keysContract(makeStore: () => Store) {
  /** Every operation a caller's key performs on an account, with that key. */
  const keyOperations = (store: Store, account: string, key: PresentedKey) => ({
    balance: () => store.ledger.balance(account, T0, key),
    reserve: () => store.ledger.reserve(account, hold(), 1, 60_000, T0, key),
    entries: () => store.ledger.entries(account, { limit: 5 }, key),
    daily: () => store.ledger.daily(account, T0, key),
    listKeys: () => store.accounts.listKeys(account, key),
    addKey: () => store.accounts.addKey(account, newKey(), T0, key),
    rotateKey: () => store.accounts.rotateKey(account, "key_other", { prefix: "p", hash: "h" }, key),
    revokeKey: () => store.accounts.revokeKey(account, "key_other", T0, key),
  });

  describe("keys and accounts", () => {
    it("concurrent first claims of one key hash all get the one mapping", async () => {
      const store = makeStore();
      const hash = crypto.randomUUID().replaceAll("-", "");
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          store.keys.claim(hash, { account_id: `acct_${i}`, key_id: `key_${i}` }, T0),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.mapping.account_id)).size).toBe(1);
      expect(await store.keys.lookup(hash)).toEqual({ ...results[0]?.mapping, revoked: false });
    });

    it("looks up and revokes index entries", async () => {
      const store = makeStore();
      const hash = crypto.randomUUID();
      expect(await store.keys.lookup(hash)).toBeNull();
      await store.keys.claim(hash, { account_id: "acct_a", key_id: "key_a" }, T0);
      expect(await store.keys.lookup(hash)).toEqual({ account_id: "acct_a", key_id: "key_a", revoked: false });
      await store.keys.revoke(hash, T0 + 61_000);
      expect(await store.keys.lookup(hash)).toEqual({ account_id: "acct_a", key_id: "key_a", revoked: true });
    });

    it("adds keys idempotently, rotates live ones and revokes once", async () => {
      const store = makeStore();
      const account = acct();
      const key = { id: "key_1", name: "one", prefix: "aib_abcdefgh", hash: `h-${crypto.randomUUID()}` };
      await store.accounts.addKey(account, key, T0, null);
      await store.accounts.addKey(account, key, T0 + 5, null);
      expect(await store.accounts.listKeys(account, null)).toEqual([
        { ...key, account_id: account, created_at: T0, revoked_at: null, last_used_at: null },
      ]);
      expect(await store.accounts.get(account)).toMatchObject({ id: account, source: "key", plan: null });
      const next = { prefix: "aib_zzzzzzzz", hash: "h-new" };
      const rotated = await store.accounts.rotateKey(account, "key_1", next, null);
      expect(rotated).toMatchObject({ old_hash: key.hash, key: next });
      expect(await store.accounts.listKeys(account, null)).toMatchObject([next]);
      expect(await store.accounts.rotateKey(account, "key_missing", { prefix: "p", hash: "h" }, null)).toBeNull();
      const revoked = await store.accounts.revokeKey(account, "key_1", T0 + 10, null);
      expect(revoked).toMatchObject({ ...next, revoked_at: T0 + 10 });
      expect((await store.accounts.revokeKey(account, "key_1", T0 + 20, null))?.revoked_at).toBe(T0 + 10);
      expect(await store.accounts.rotateKey(account, "key_1", { prefix: "p", hash: "h2" }, null)).toBeNull();
      expect(await store.accounts.revokeKey(account, "key_missing", T0, null)).toBeNull();
      expect(await store.accounts.get(acct())).toBeNull();
    });

    it("revokes and rotates a key whose name no JSON decoder accepts (a lone surrogate)", async () => {
      const store = makeStore();
      const account = acct();
      await fund(store, account, 1_000);
      // Routes refuse such names now; records written before must still be revocable. (SQLite keeps
      // U+FFFD for the surrogate, Redis the JSON escape: only the start of the name is compared.)
      const key = newKey("backdoor\ud800");
      await store.accounts.addKey(account, key, T0, null);
      const rotated = await store.accounts.rotateKey(account, key.id, { prefix: "aib_rotated0", hash: "h-2" }, null);
      expect(rotated).toMatchObject({
        old_hash: key.hash,
        key: { name: expect.stringMatching(/^backdoor/), hash: "h-2" },
      });
      await expect(store.ledger.balance(account, T0, presented(key))).rejects.toMatchObject(refused);
      expect((await store.ledger.balance(account, T0, presented(key, "h-2"))).balance_micros).toBe(1_000);
      expect((await store.accounts.revokeKey(account, key.id, T0 + 1, null))?.revoked_at).toBe(T0 + 1);
      await expect(store.ledger.balance(account, T0, presented(key, "h-2"))).rejects.toMatchObject(refused);
      expect(await store.accounts.listKeys(account, null)).toMatchObject([
        { id: key.id, name: expect.stringMatching(/^backdoor/), prefix: "aib_rotated0", revoked_at: T0 + 1 },
      ]);
    });
  });

  describe("the account checks the caller's key", () => {
    it("admits a live key with its hash, in every operation a key performs", async () => {
      const store = makeStore();
      const account = acct();
      await fund(store, account, 1_000);
      const key = newKey();
      await store.accounts.addKey(account, key, T0, null);
      const ops = keyOperations(store, account, presented(key));
      for (const op of Object.values(ops)) await op();
      expect((await store.ledger.reserve(account, hold(), 1, 60_000, T0, presented(key))).status).toBe("reserved");
    });

    it("refuses a revoked key in every operation, whatever the key index says, and changes nothing", async () => {
      const store = makeStore();
      const account = acct();
      await fund(store, account, 1_000);
      const key = newKey();
      const other = { ...newKey("other"), id: "key_other" };
      await store.accounts.addKey(account, key, T0, null);
      await store.accounts.addKey(account, other, T0, null);
      await store.keys.claim(key.hash, { account_id: account, key_id: key.id }, T0);
      await store.accounts.revokeKey(account, key.id, T0, null);
      // The index still maps the hash as live: only the account was told.
      expect((await store.keys.lookup(key.hash))?.revoked).toBe(false);
      for (const [name, op] of Object.entries(keyOperations(store, account, presented(key)))) {
        await expect(op(), name).rejects.toMatchObject(refused);
      }
      expect(await store.ledger.balance(account, T0, null)).toMatchObject({ balance_micros: 1_000, held_micros: 0 });
      const keys = await store.accounts.listKeys(account, null);
      expect(keys.map((k) => [k.id, k.revoked_at])).toEqual(
        expect.arrayContaining([
          [other.id, null],
          [key.id, T0],
        ]),
      );
      expect(keys).toHaveLength(2);
      expect(keys.find((k) => k.id === other.id)?.hash).toBe(other.hash);
    });

    it("refuses a rotated-away hash and admits the new one", async () => {
      const store = makeStore();
      const account = acct();
      await fund(store, account, 1_000);
      const key = newKey();
      await store.accounts.addKey(account, key, T0, null);
      // The key rotates itself: the check and the swap are one step.
      await store.accounts.rotateKey(account, key.id, { prefix: "aib_new00000", hash: "h-next" }, presented(key));
      await expect(store.ledger.balance(account, T0, presented(key))).rejects.toMatchObject(refused);
      await expect(store.ledger.reserve(account, hold(), 1, 60_000, T0, presented(key))).rejects.toMatchObject(refused);
      await expect(
        store.accounts.rotateKey(account, key.id, { prefix: "p", hash: "h-stolen" }, presented(key)),
      ).rejects.toMatchObject(refused);
      const current = presented(key, "h-next");
      expect((await store.ledger.reserve(account, hold(), 1, 60_000, T0, current)).status).toBe("reserved");
      expect(await store.accounts.listKeys(account, current)).toMatchObject([{ id: key.id, hash: "h-next" }]);
    });

    it("refuses a key id the account does not hold (another account's key)", async () => {
      const store = makeStore();
      const [mine, theirs] = [acct(), acct()];
      await fund(store, mine, 1_000);
      const key = newKey();
      await store.accounts.addKey(theirs, key, T0, null);
      await expect(store.ledger.balance(mine, T0, presented(key))).rejects.toMatchObject(refused);
      await expect(store.accounts.listKeys(mine, presented(key))).rejects.toMatchObject(refused);
    });

    it("checks nothing for a null key, and settle, release and credit take none", async () => {
      const store = makeStore();
      const account = acct();
      await fund(store, account, 1_000);
      const key = newKey();
      await store.accounts.addKey(account, key, T0, null);
      const id = hold();
      await store.ledger.reserve(account, id, 500, 60_000, T0, presented(key));
      await store.accounts.revokeKey(account, key.id, T0, null);
      // Admitted before the revoke, so the call still settles.
      expect((await store.ledger.settle(account, id, charge(300), T0)).charged_micros).toBe(300);
      expect(await store.ledger.balance(account, T0, null)).toMatchObject({ balance_micros: 700, held_micros: 0 });
      expect(await store.ledger.entries(account, { limit: 5 }, null)).toHaveLength(2);
      expect(await store.ledger.daily(account, T0, null)).toHaveLength(1);
    });

    it("stamps last use at most once a minute, and lists it in the same call", async () => {
      const store = makeStore();
      const account = acct();
      await fund(store, account, 1_000);
      const [used, idle] = [newKey("used"), newKey("idle")];
      await store.accounts.addKey(account, used, T0, null);
      await store.accounts.addKey(account, idle, T0, null);
      const lastUse = async () =>
        Object.fromEntries((await store.accounts.listKeys(account, null)).map((k) => [k.name, k.last_used_at]));
      expect(await lastUse()).toEqual({ used: null, idle: null });
      await store.ledger.balance(account, T0, presented(used));
      await store.ledger.reserve(account, hold(), 1, 60_000, T0 + 59_000, presented(used));
      expect(await lastUse()).toEqual({ used: T0, idle: null });
      await store.ledger.reserve(account, hold(), 1, 60_000, T0 + 60_000, presented(used));
      expect(await lastUse()).toEqual({ used: T0 + 60_000, idle: null });
    });
  });
}
