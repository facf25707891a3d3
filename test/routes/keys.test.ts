import { describe, expect, it } from "vitest";
import type { components } from "../../openapi/schema.d.ts";
import { balanceOf, bearer, expectError, grant, gw, json, newAccount } from "../helpers/gateway.ts";
import { securitySuite } from "../helpers/security.ts";
import { countedRequest, gatewayWith } from "../helpers/store-bindings.ts";

/** The generated client type: the tests read the answers the contract promises. */
type Key = components["schemas"]["ApiKey"] & { key?: string };

async function listKeys(key: string): Promise<Key[]> {
  const res = await gw("/v1/keys", { headers: bearer(key) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { object: string; data: Key[] };
  expect(body.object).toBe("list");
  return body.data;
}

describe("/v1/keys", () => {
  it("creates a key that works at once and is shown once", async () => {
    const { key: first } = await newAccount();
    const res = await gw("/v1/keys", json({ name: "ci-runner" }, bearer(first)));
    expect(res.status).toBe(201);
    const created = (await res.json()) as Key;
    expect(created).toMatchObject({ name: "ci-runner", last_used_at: null, revoked_at: null });
    expect(created.key).toMatch(/^aib_[0-9A-Za-z]{32}$/);
    expect(created.prefix).toBe(created.key?.slice(0, 12));
    expect(created.id).toMatch(/^key_[0-9a-f]{16}$/);
    expect((await balanceOf(created.key as string)).account_id).toBe((await balanceOf(first)).account_id);

    const listed = await listKeys(first);
    expect(listed.map((k) => k.id)).toContain(created.id);
    expect(JSON.stringify(listed)).not.toContain(created.key);
  });

  it("creates a key with a default name when no body is sent", async () => {
    const { key } = await newAccount();
    const res = await gw("/v1/keys", { method: "POST", headers: bearer(key) });
    expect(res.status).toBe(201);
    expect(((await res.json()) as Key).name).toBe("default");
  });

  it("rotates: same id, new secret works, old secret gets 401", async () => {
    const { key: admin } = await newAccount();
    const created = (await (await gw("/v1/keys", json({ name: "rotating" }, bearer(admin)))).json()) as Key;
    const res = await gw(`/v1/keys/${created.id}/rotate`, { method: "POST", headers: bearer(admin) });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as Key;
    expect(rotated.id).toBe(created.id);
    expect(rotated.name).toBe("rotating");
    expect(rotated.key).not.toBe(created.key);
    expect(rotated.prefix).toBe(rotated.key?.slice(0, 12));
    await expectError(await gw("/v1/balance", { headers: bearer(created.key as string) }), 401, "INVALID_API_KEY");
    expect((await gw("/v1/balance", { headers: bearer(rotated.key as string) })).status).toBe(200);
  });

  it("a key can rotate itself and the caller must switch to the new secret", async () => {
    const { key, key_id } = await newAccount();
    const rotated = (await (
      await gw(`/v1/keys/${key_id}/rotate`, { method: "POST", headers: bearer(key) })
    ).json()) as Key;
    await expectError(await gw("/v1/keys", { headers: bearer(key) }), 401, "INVALID_API_KEY");
    expect((await listKeys(rotated.key as string)).find((k) => k.id === key_id)?.prefix).toBe(rotated.prefix);
  });

  it("revokes: the key gets 401 at once, the listing shows when, revoking twice is harmless", async () => {
    const { key: admin } = await newAccount();
    const victim = (await (await gw("/v1/keys", json({ name: "leaked" }, bearer(admin)))).json()) as Key;
    expect((await gw("/v1/balance", { headers: bearer(victim.key as string) })).status).toBe(200);
    const res = await gw(`/v1/keys/${victim.id}`, { method: "DELETE", headers: bearer(admin) });
    expect(res.status).toBe(200);
    const revoked = (await res.json()) as Key;
    expect(revoked.revoked_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(revoked.key).toBeUndefined();
    await expectError(await gw("/v1/balance", { headers: bearer(victim.key as string) }), 401, "INVALID_API_KEY");
    const again = await gw(`/v1/keys/${victim.id}`, { method: "DELETE", headers: bearer(admin) });
    expect(((await again.json()) as Key).revoked_at).toBe(revoked.revoked_at);
    expect((await listKeys(admin)).find((k) => k.id === victim.id)?.revoked_at).toBe(revoked.revoked_at);
  });

  it("a revoked key cannot be rotated back to life", async () => {
    const { key: admin } = await newAccount();
    const victim = (await (await gw("/v1/keys", json({}, bearer(admin)))).json()) as Key;
    await gw(`/v1/keys/${victim.id}`, { method: "DELETE", headers: bearer(admin) });
    const res = await gw(`/v1/keys/${victim.id}/rotate`, { method: "POST", headers: bearer(admin) });
    await expectError(res, 404, "NOT_FOUND");
  });

  it("records last use to the minute", async () => {
    const { key, key_id } = await newAccount();
    const before = Date.now();
    await gw("/v1/balance", { headers: bearer(key) });
    const used = (await listKeys(key)).find((k) => k.id === key_id)?.last_used_at;
    expect(Date.parse(used as string)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("404 for another account's key id, which stays untouched", async () => {
    const owner = await newAccount();
    const stranger = await newAccount();
    await expectError(
      await gw(`/v1/keys/${owner.key_id}`, { method: "DELETE", headers: bearer(stranger.key) }),
      404,
      "NOT_FOUND",
    );
    await expectError(
      await gw(`/v1/keys/${owner.key_id}/rotate`, { method: "POST", headers: bearer(stranger.key) }),
      404,
      "NOT_FOUND",
    );
    expect((await gw("/v1/balance", { headers: bearer(owner.key) })).status).toBe(200);
    expect((await listKeys(stranger.key)).map((k) => k.id)).not.toContain(owner.key_id);
  });

  it("400 naming `name` when it is too long", async () => {
    const { key } = await newAccount();
    const error = await expectError(
      await gw("/v1/keys", json({ name: "n".repeat(65) }, bearer(key))),
      400,
      "INVALID_REQUEST",
    );
    expect(error.param).toBe("name");
  });

  it.each([
    ["a lone surrogate", "backdoor\ud800"],
    ["a control character", "bell\u0007"],
    ["a bidi override", "txt.exe\u202Egnp"],
    ["a bidi isolate", "a\u2066b"],
  ])("400 naming `name` for a name with %s, creating nothing", async (_, name) => {
    const { key } = await newAccount();
    const error = await expectError(await gw("/v1/keys", json({ name }, bearer(key))), 400, "INVALID_REQUEST");
    expect(error.param).toBe("name");
    expect(await listKeys(key)).toHaveLength(1);
  });

  it("keeps any other well-formed name as sent", async () => {
    const { key } = await newAccount();
    const res = await gw("/v1/keys", json({ name: "prod 🚀 café שלום" }, bearer(key)));
    expect(res.status).toBe(201);
    expect(((await res.json()) as Key).name).toBe("prod 🚀 café שלום");
  });

  it("lists every key with its last use in one store call, however many keys there are", async () => {
    const { key, key_id } = await newAccount();
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) => gw("/v1/keys", json({ name: `k${i}` }, bearer(key)))),
    );
    expect(created.map((res) => res.status)).toEqual(Array(30).fill(201));
    const { res, calls } = await countedRequest("/v1/keys", { headers: bearer(key) });
    expect(res.status).toBe(200);
    const listed = ((await res.json()) as { data: Key[] }).data;
    expect(listed).toHaveLength(31);
    expect(listed.find((k) => k.id === key_id)?.last_used_at).not.toBeNull();
    // One lookup in the key index, the rate limiter's step, one call to the account.
    expect(calls).toEqual(["lookup", "hitLimit", "listKeys"]);
  });

  it("keys of one account share its credits", async () => {
    const { key, account_id } = await newAccount();
    await grant({ accountId: account_id }, 5);
    const second = (await (await gw("/v1/keys", json({}, bearer(key)))).json()) as Key;
    expect((await balanceOf(second.key as string)).credits).toBe(5);
  });
});

// Hundreds of requests each: generous timeouts, so a loaded machine does not fail them.
describe("rotate and revoke racing", { timeout: 30_000 }, () => {
  type Gateway = (path: string, init?: RequestInit) => Response | Promise<Response>;

  /**
   * Rotations of one key, by another key and by the key itself, interleaved with a revoke (or one
   * more rotation). Afterwards, checked on the plain gateway: every secret that still works is the
   * one the account lists as live, and none works once the key is revoked.
   */
  async function race(via: Gateway, admin: string, withRevoke: boolean): Promise<boolean> {
    const created = (await (await gw("/v1/keys", json({ name: "racing" }, bearer(admin)))).json()) as Key;
    const first = created.key as string;
    const rotate = (secret: string) =>
      via(`/v1/keys/${created.id}/rotate`, { method: "POST", headers: bearer(secret) });
    const revoke = (secret: string) => via(`/v1/keys/${created.id}`, { method: "DELETE", headers: bearer(secret) });
    const answers = await Promise.all([
      rotate(admin),
      rotate(first),
      withRevoke ? revoke(admin) : rotate(admin),
      rotate(admin),
      rotate(first),
      rotate(admin),
    ]);
    const secrets = [first];
    for (const res of answers) {
      const body = (await res.json()) as Key;
      // 404: revoked before this rotation; 401: the key rotated itself away under the request.
      expect([200, 401, 404], JSON.stringify(body)).toContain(res.status);
      if (body.key) secrets.push(body.key);
    }
    const listed = (await listKeys(admin)).find((k) => k.id === created.id) as Key;
    const works: string[] = [];
    for (const secret of secrets) {
      const [balance, keys] = await Promise.all([
        gw("/v1/balance", { headers: bearer(secret) }),
        gw("/v1/keys", { headers: bearer(secret) }),
      ]);
      await Promise.all([balance.body?.cancel(), keys.body?.cancel()]);
      expect([200, 401]).toContain(balance.status);
      expect(keys.status).toBe(balance.status);
      if (balance.status === 200) works.push(secret.slice(0, 12));
    }
    expect(works).toEqual(listed.revoked_at === null ? [listed.prefix] : []);
    return listed.revoked_at !== null;
  }

  it("concurrent rotates and revokes leave only the secret the account lists as live", async () => {
    const { key: admin } = await newAccount();
    const revoked = await Promise.all(Array.from({ length: 8 }, (_, i) => race(gw, admin, i % 2 === 0)));
    expect(revoked.filter(Boolean)).toHaveLength(4);
  });

  it("the same when the key index lags and loses updates (the account alone decides)", async () => {
    const { key: admin } = await newAccount();
    let calls = 0;
    // Index calls arrive late and every other revoke of an index entry is lost, as in a crash
    // between the account's change and the index's.
    const lagging = gatewayWith({
      keys: async (method, call) => {
        const n = calls++;
        await new Promise((resolve) => setTimeout(resolve, (n * 7) % 25));
        if (method === "revoke" && n % 2 === 0) throw new Error("key index unreachable");
        return call();
      },
    });
    const revoked = await Promise.all(Array.from({ length: 8 }, (_, i) => race(lagging, admin, i % 2 === 0)));
    expect(revoked.filter(Boolean)).toHaveLength(4);
  });
});

securitySuite("keys", "keyHolder", [
  { method: "GET", path: "/v1/keys" },
  { method: "POST", path: "/v1/keys", body: { name: "x" } },
  { method: "POST", path: "/v1/keys/key_0000000000000000/rotate" },
  { method: "DELETE", path: "/v1/keys/key_0000000000000000" },
]);
