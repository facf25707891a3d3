import { describe, expect, it } from "vitest";
import { PAGE_CSP } from "../../src/routes/pages/pages.index.ts";
import { gw, gwWith } from "../helpers/gateway.ts";

describe("the dashboard pages", () => {
  it.each([
    ["/dashboard", "/assets/dashboard.js"],
    ["/admin/dashboard", "/assets/admin.js"],
  ])("%s is HTML naming only its own module script, under a strict CSP, with no credentials", async (path, script) => {
    const res = await gw(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toBe(PAGE_CSP);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html.match(/<script\b[^>]*>/g)).toEqual([`<script type="module" src="${script}">`]);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=|https?:\/\//);
    // The secret field has no name, so a form submitted without the script cannot put it in a URL.
    const secretInput = /<input id="(?:api-key|admin-secret)"[^>]*>/.exec(html)?.[0] ?? "";
    expect(secretInput).toContain('type="password"');
    expect(secretInput).not.toMatch(/\sname=/);
  });

  it("the operator page is served without the admin secret, and even when ADMIN_SECRET is unset", async () => {
    expect((await gwWith({ ADMIN_SECRET: undefined }, "/admin/dashboard")).status).toBe(200);
    // The admin API itself is still closed.
    expect((await gw("/admin/analytics?from=2026-11-01&to=2026-11-30&group_by=day")).status).toBe(401);
    expect((await gw("/admin/index.html")).status).toBe(401);
  });

  it("serves the scripts and stylesheet, and answers 404 in the envelope for anything else under /assets", async () => {
    for (const [asset, type] of [
      ["/assets/chart.js", /javascript/],
      ["/assets/common.js", /javascript/],
      ["/assets/csv.js", /javascript/],
      ["/assets/app.css", /^text\/css/],
    ] as const) {
      const res = await gw(asset);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get("content-type"), asset).toMatch(type);
      await res.arrayBuffer();
    }
    for (const path of ["/assets/missing.js", "/assets/../wrangler.toml", "/assets/x.html", "/dashboard/index.html"]) {
      const res = await gw(path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe("NOT_FOUND");
    }
  });
});
