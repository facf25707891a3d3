import { describe, expect, it } from "vitest";
import { app } from "../../src/app.ts";
import { admin, bearer, gw, json, newAccount } from "../helpers/gateway.ts";

describe("a path with a trailing slash", () => {
  it("answers like the route without it", async () => {
    const { key, key_id } = await newAccount();
    expect((await gw("/health/")).status).toBe(200);
    expect((await gw("/v1/balance/", { headers: bearer(key) })).status).toBe(200);
    expect((await gw("/v1/models/", { headers: bearer(key) })).status).toBe(200);
    expect((await gw("/v1/models/openai/gpt-4o-mini/", { headers: bearer(key) })).status).toBe(200);

    const created = await gw("/v1/keys/", json({ name: "slash" }, bearer(key)));
    expect(created.status, await created.clone().text()).toBe(201);
    const listed = (await (await gw("/v1/keys/", { headers: bearer(key) })).json()) as { data: { name: string }[] };
    expect(listed.data.map((k) => k.name)).toContain("slash");
    const rotated = await gw(`/v1/keys/${key_id}/rotate/`, { method: "POST", headers: bearer(key) });
    expect(rotated.status).toBe(200);

    const granted = await gw("/admin/add-credits/", {
      method: "POST",
      headers: admin(),
      body: JSON.stringify({ accountId: "acct_nobody", credits: 1 }),
    });
    expect(granted.status).toBe(404);
    expect(((await granted.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });

  it("never answers 405 naming the method that was used, on any route", async () => {
    const { key } = await newAccount();
    const routes = app.routes.filter((route) => route.method !== "ALL");
    expect(routes.length).toBeGreaterThan(10);
    for (const route of routes) {
      const path = `${route.path.replace(/:[^/]+/g, "x").replace(/\*$/, "x")}/`;
      const res = await gw(path, {
        method: route.method,
        headers: { ...bearer(key), "x-admin-secret": admin()["x-admin-secret"], "content-type": "application/json" },
        ...(route.method === "GET" ? {} : { body: "{}" }),
      });
      const where = `${route.method} ${path}`;
      if (res.status === 405) expect(res.headers.get("allow")?.split(", "), where).not.toContain(route.method);
      expect(res.status, where).not.toBe(500);
    }
  });

  it("still answers 405 with the methods that exist, for another method", async () => {
    const res = await gw("/health/", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });
});
