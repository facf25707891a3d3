import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { buildApp } from "../../src/app.ts";
import { TEST_BINDINGS } from "./bindings.ts";

export const BASE = "http://gateway.test";
export const ADMIN_SECRET = TEST_BINDINGS.ADMIN_SECRET;
export const RAPIDAPI_SECRET = TEST_BINDINGS.RAPIDAPI_SECRET;

/** A request to the deployed Worker entry, as a client would send it. */
export function gw(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, init);
}

const altApp = buildApp();
/** The same gateway with some bindings changed (unset secrets, a dev seed key, ...). */
export function gwWith(overrides: Record<string, string | undefined>, path: string, init?: RequestInit) {
  return altApp.request(`${BASE}${path}`, init, { ...env, ...overrides });
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
export const admin = (extra: Record<string, string> = {}) => ({
  "x-admin-secret": ADMIN_SECRET,
  "content-type": "application/json",
  ...extra,
});
export const rapid = (user: string, plan = "PRO", secret: string = RAPIDAPI_SECRET) => ({
  "x-rapidapi-proxy-secret": secret,
  "x-rapidapi-user": user,
  "x-rapidapi-subscription": plan,
});

export const uniqueKey = (label = "key") => `test-${label}-${crypto.randomUUID()}`;

export function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

/** Asserts the one error envelope and returns its `error` object. */
export async function expectError(res: Response, status: number, code: string) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const body = JSON.parse(text) as {
    error: { code: string; message: string; type: string; param?: string; request_id: string };
  };
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
  return body.error;
}

export async function grant(
  target: { apiKey: string } | { accountId: string },
  credits: number,
  idempotencyKey?: string,
): Promise<Response> {
  return gw("/admin/add-credits", {
    method: "POST",
    headers: admin(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
    body: JSON.stringify({ ...target, credits }),
  });
}

export async function balanceOf(key: string) {
  const res = await gw("/v1/balance", { headers: bearer(key) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as {
    account_id: string;
    credits: number | null;
    credits_micros: number | null;
    held_micros: number;
    source: string;
    plan: string | null;
  };
}

/** A fresh account with a generated key, made through the admin API. */
export async function newAccount(): Promise<{ account_id: string; key: string; key_id: string }> {
  const res = await gw("/admin/accounts", { method: "POST", headers: admin(), body: "{}" });
  expect(res.status, await res.clone().text()).toBe(201);
  const body = (await res.json()) as { id: string; key: { id: string; key: string } };
  return { account_id: body.id, key: body.key.key, key_id: body.key.id };
}
