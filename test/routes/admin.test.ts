import { describe, expect, it } from "vitest";
import { admin, balanceOf, expectError, grant, gw, json, newAccount, uniqueKey } from "../helpers/gateway.ts";
import { securitySuite } from "../helpers/security.ts";

type Grant = {
  account_id: string;
  granted_micros: number;
  credits: number;
  credits_micros: number;
  entry_id: string;
  replayed: boolean;
};

describe("POST /admin/add-credits", () => {
  it("imports an unknown key: creates its account and grants to it", async () => {
    const key = uniqueKey("import");
    const res = await grant({ apiKey: key }, 12.5);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Grant;
    expect(body).toMatchObject({
      granted_micros: 12_500_000,
      credits: 12.5,
      credits_micros: 12_500_000,
      replayed: false,
    });
    expect(body.entry_id).toMatch(/^le_/);
    expect(await balanceOf(key)).toMatchObject({ account_id: body.account_id, credits: 12.5 });
  });

  it("grants to an existing key's account and to an account id", async () => {
    const { key, account_id } = await newAccount();
    expect(((await (await grant({ apiKey: key }, 1)).json()) as Grant).account_id).toBe(account_id);
    const byId = (await (await grant({ accountId: account_id }, 2)).json()) as Grant;
    expect(byId).toMatchObject({ account_id, credits: 3 });
    expect((await balanceOf(key)).credits).toBe(3);
  });

  it("100 concurrent first grants of 1 credit to a new key make one account holding exactly 100", async () => {
    const key = uniqueKey("race");
    const answers = await Promise.all(Array.from({ length: 100 }, () => grant({ apiKey: key }, 1)));
    const bodies = await Promise.all(
      answers.map(async (res) => ({ status: res.status, body: (await res.json()) as Grant })),
    );
    expect(bodies.filter((b) => b.status !== 200)).toEqual([]);
    expect(new Set(bodies.map((b) => b.body.account_id)).size).toBe(1);
    expect(new Set(bodies.map((b) => b.body.entry_id)).size).toBe(100);
    expect(await balanceOf(key)).toMatchObject({ credits: 100, credits_micros: 100_000_000 });
  });

  it("applies a grant once per Idempotency-Key, even when replayed concurrently", async () => {
    const { key, account_id } = await newAccount();
    const idem = `grant-${crypto.randomUUID()}`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => grant({ accountId: account_id }, 7, idem)));
    const bodies = (await Promise.all(answers.map((res) => res.json()))) as Grant[];
    expect(answers.every((res) => res.status === 200)).toBe(true);
    expect(bodies.filter((b) => !b.replayed)).toHaveLength(1);
    expect(new Set(bodies.map((b) => b.entry_id)).size).toBe(1);
    expect((await balanceOf(key)).credits).toBe(7);
    const later = (await (await grant({ accountId: account_id }, 7, idem)).json()) as Grant;
    expect(later).toMatchObject({ replayed: true, entry_id: bodies[0]?.entry_id });
    expect((await balanceOf(key)).credits).toBe(7);
  });

  it("replays by apiKey too: the original curl retried with one key applies once", async () => {
    const key = uniqueKey("idem-import");
    const idem = crypto.randomUUID();
    await grant({ apiKey: key }, 10000, idem);
    await grant({ apiKey: key }, 10000, idem);
    expect((await balanceOf(key)).credits).toBe(10000);
  });

  it("400 when an Idempotency-Key is reused for another amount", async () => {
    const { account_id, key } = await newAccount();
    const idem = crypto.randomUUID();
    await grant({ accountId: account_id }, 1, idem);
    const error = await expectError(await grant({ accountId: account_id }, 2, idem), 400, "INVALID_REQUEST");
    expect(error.param).toBe("Idempotency-Key");
    expect((await balanceOf(key)).credits).toBe(1);
  });

  it("without an Idempotency-Key every call is its own grant", async () => {
    const { account_id, key } = await newAccount();
    await grant({ accountId: account_id }, 1);
    await grant({ accountId: account_id }, 1);
    expect((await balanceOf(key)).credits).toBe(2);
  });

  it("404 for an unknown account id, creating nothing", async () => {
    await expectError(await grant({ accountId: "acct_doesnotexist0000000" }, 1), 404, "NOT_FOUND");
    await expectError(await grant({ accountId: "acct_doesnotexist0000000" }, 1), 404, "NOT_FOUND");
  });

  it("400 for a RapidAPI account id", async () => {
    const error = await expectError(await grant({ accountId: "rapidapi:alice" }, 1), 400, "INVALID_REQUEST");
    expect(error.param).toBe("accountId");
  });

  it.each([
    [{ credits: 1 }, "apiKey"],
    [{ apiKey: "test-key-both", accountId: "acct_x", credits: 1 }, "apiKey"],
    [{ apiKey: "test-key-zero", credits: 0 }, "credits"],
    [{ apiKey: "test-key-neg", credits: -5 }, "credits"],
    [{ apiKey: "test-key-frac", credits: 0.0000001 }, "credits"],
    [{ apiKey: "test-key-huge", credits: 1e12 }, "credits"],
    [{ apiKey: "test-key-str", credits: "100" }, "credits"],
    [{ apiKey: "short", credits: 1 }, "apiKey"],
  ])("400 naming the field for %j", async (body, param) => {
    const res = await gw("/admin/add-credits", { method: "POST", headers: admin(), body: JSON.stringify(body) });
    expect((await expectError(res, 400, "INVALID_REQUEST")).param).toBe(param);
  });

  it("400 naming accountId when it is not well-formed text", async () => {
    const error = await expectError(await grant({ accountId: "acct_\ud800" }, 1), 400, "INVALID_REQUEST");
    expect(error.param).toBe("accountId");
  });

  it("refuses a grant that would take the balance past 2^53 - 1 µcr: 400 naming credits, nothing granted", async () => {
    const { key, account_id } = await newAccount();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await grant({ accountId: account_id }, 1e9);
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses).toEqual([...Array(9).fill(200), 400, 400, 400]);
    const error = await expectError(await grant({ accountId: account_id }, 1e9), 400, "INVALID_REQUEST");
    expect(error.param).toBe("credits");
    expect(error.message).toMatch(/7199254\.740991 more/);
    expect(await balanceOf(key)).toMatchObject({ credits: 9e9, credits_micros: 9e15 });
    // Up to the limit exactly is fine; one micro-credit more is not.
    const full = (await (await grant({ accountId: account_id }, 7199254.740991)).json()) as Grant;
    expect(full).toMatchObject({ credits_micros: Number.MAX_SAFE_INTEGER, replayed: false });
    await expectError(await grant({ accountId: account_id }, 0.000001), 400, "INVALID_REQUEST");
    expect((await balanceOf(key)).credits_micros).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("400 naming Idempotency-Key when it is malformed", async () => {
    const { account_id } = await newAccount();
    const res = await gw("/admin/add-credits", {
      method: "POST",
      headers: admin({ "idempotency-key": "has spaces in it" }),
      body: JSON.stringify({ accountId: account_id, credits: 1 }),
    });
    expect((await expectError(res, 400, "INVALID_REQUEST")).param).toBe("Idempotency-Key");
  });
});

describe("POST /admin/accounts and /admin/accounts/{id}/keys", () => {
  it("creates an account with a working first key and no credits", async () => {
    const res = await gw("/admin/accounts", json({ key_name: "first" }, admin()));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; source: string; plan: null; key: { key: string; name: string } };
    expect(body).toMatchObject({ source: "key", plan: null, key: { name: "first" } });
    expect(body.id).toMatch(/^acct_/);
    expect(await balanceOf(body.key.key)).toMatchObject({ account_id: body.id, credits: 0 });
  });

  it("adds a key to an account", async () => {
    const { account_id } = await newAccount();
    const res = await gw(`/admin/accounts/${account_id}/keys`, json({ name: "ops" }, admin()));
    expect(res.status).toBe(201);
    const key = (await res.json()) as { key: string; name: string };
    expect(key.name).toBe("ops");
    expect((await balanceOf(key.key)).account_id).toBe(account_id);
  });

  it.each([
    ["a lone surrogate", "ops\ud800"],
    ["a control character", "ops\u0000"],
    ["a bidi override", "ops\u202D"],
  ])("400 naming the field for a key name with %s", async (_, name) => {
    const first = await expectError(
      await gw("/admin/accounts", json({ key_name: name }, admin())),
      400,
      "INVALID_REQUEST",
    );
    expect(first.param).toBe("key_name");
    const { account_id } = await newAccount();
    const more = await expectError(
      await gw(`/admin/accounts/${account_id}/keys`, json({ name }, admin())),
      400,
      "INVALID_REQUEST",
    );
    expect(more.param).toBe("name");
  });

  it("404 for an unknown account, 400 for a RapidAPI one", async () => {
    await expectError(await gw("/admin/accounts/acct_nobody000000000000/keys", json({}, admin())), 404, "NOT_FOUND");
    const error = await expectError(
      await gw("/admin/accounts/rapidapi:bob/keys", json({}, admin())),
      400,
      "INVALID_REQUEST",
    );
    expect(error.param).toBe("accountId");
  });
});

describe("GET /admin/openapi.json", () => {
  it("is the full document, with admin routes and the admin scheme the public one leaves out", async () => {
    const res = await gw("/admin/openapi.json", { headers: admin() });
    expect(res.status).toBe(200);
    const full = (await res.json()) as { paths: Record<string, unknown>; components: { securitySchemes: object } };
    expect(Object.keys(full.paths)).toEqual(
      expect.arrayContaining(["/admin/add-credits", "/admin/accounts", "/admin/accounts/{id}/keys", "/v1/balance"]),
    );
    expect(full.components.securitySchemes).toHaveProperty("adminSecret");
    const pub = (await (await gw("/openapi.json")).json()) as typeof full;
    expect(Object.keys(pub.paths).some((p) => p.startsWith("/admin"))).toBe(false);
  });
});

securitySuite("admin", "admin", [
  { method: "POST", path: "/admin/add-credits", body: { apiKey: "test-key-123", credits: 1 } },
  { method: "POST", path: "/admin/accounts", body: {} },
  { method: "POST", path: "/admin/accounts/acct_x/keys", body: {} },
  { method: "GET", path: "/admin/openapi.json" },
]);
