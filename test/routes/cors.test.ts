import { describe, expect, it } from "vitest";
import { bearer, gwWith, json, newAccount } from "../helpers/gateway.ts";

const APP = "https://app.example.com";
const ALLOWED = { CORS_ORIGINS: `${APP}, http://localhost:5173` };
const EXPOSED = [
  "x-request-id",
  "x-credits-charged",
  "x-credits-remaining",
  "x-ratelimit-limit-requests",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-reset-requests",
  "retry-after",
  "retry-after-ms",
  "x-should-retry",
];

const list = (value: string | null) => (value ?? "").split(",").map((item) => item.trim().toLowerCase());

function preflight(origin: string, method: string, headers: string, path = "/v1/chat/completions") {
  return gwWith(ALLOWED, path, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": headers },
  });
}

describe("CORS", () => {
  it("answers an allowed origin, exposing the headers clients read", async () => {
    const { key } = await newAccount();
    const res = await gwWith(ALLOWED, "/v1/balance", { headers: { ...bearer(key), origin: APP } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    expect(list(res.headers.get("access-control-expose-headers"))).toEqual(expect.arrayContaining(EXPOSED));
    expect(list(res.headers.get("vary"))).toContain("origin");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("puts the CORS headers on error answers too, so a browser can read the error", async () => {
    const missingKey = await gwWith(ALLOWED, "/v1/balance", { headers: { origin: APP } });
    expect(missingKey.status).toBe(401);
    expect(missingKey.headers.get("access-control-allow-origin")).toBe(APP);
    const { key } = await newAccount();
    const badBody = await gwWith(ALLOWED, "/v1/keys", json({ name: "" }, { ...bearer(key), origin: APP }));
    expect(badBody.status).toBe(400);
    expect(badBody.headers.get("access-control-allow-origin")).toBe(APP);
    expect(list(badBody.headers.get("access-control-expose-headers"))).toContain("x-request-id");
    const unknown = await gwWith(ALLOWED, "/nowhere", { headers: { origin: APP } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("access-control-allow-origin")).toBe(APP);
  });

  it("grants nothing to an origin that is not listed, or to any origin when CORS_ORIGINS is unset", async () => {
    const { key } = await newAccount();
    const other = await gwWith(ALLOWED, "/v1/balance", { headers: { ...bearer(key), origin: "https://evil.example" } });
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("access-control-expose-headers")).toBeNull();
    const unset = await gwWith({ CORS_ORIGINS: undefined }, "/v1/balance", {
      headers: { ...bearer(key), origin: APP },
    });
    expect(unset.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await preflight("https://evil.example", "POST", "authorization, content-type");
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    expect(pre.headers.get("access-control-allow-headers")).toBeNull();
  });

  it("answers a preflight before auth, allowing the headers the openai SDK and a dashboard send", async () => {
    const sdkHeaders = [
      "authorization",
      "content-type",
      "x-api-key",
      "idempotency-key",
      "x-stainless-os",
      "x-stainless-lang",
      "x-stainless-retry-count",
      "x-stainless-timeout",
      "openai-organization",
      "openai-project",
    ];
    const res = await preflight(APP, "POST", sdkHeaders.join(", "));
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    expect(list(res.headers.get("access-control-allow-methods"))).toEqual(
      expect.arrayContaining(["get", "post", "delete"]),
    );
    expect(list(res.headers.get("access-control-allow-headers"))).toEqual(expect.arrayContaining(sdkHeaders));
    expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(await res.text()).toBe("");
  });

  it("does not allow a request header outside the list, such as X-Admin-Secret", async () => {
    const res = await preflight(APP, "POST", "x-admin-secret, content-type", "/admin/add-credits");
    expect(res.status).toBe(204);
    expect(list(res.headers.get("access-control-allow-headers"))).not.toContain("x-admin-secret");
  });
});
