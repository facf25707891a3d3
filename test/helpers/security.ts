import { beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_SECRET,
  admin,
  bearer,
  expectError,
  gw,
  gwWith,
  newAccount,
  RAPIDAPI_SECRET,
  rapid,
  uniqueKey,
} from "./gateway.ts";

export interface ProtectedRoute {
  method: string;
  path: string;
  body?: unknown;
}

/**
 * customer: key holders and RapidAPI subscribers; keyHolder: direct key holders only
 * (RapidAPI gets 403); admin: X-Admin-Secret.
 */
export type Audience = "customer" | "keyHolder" | "admin";

function request(route: ProtectedRoute, headers: Record<string, string>): RequestInit {
  return {
    method: route.method,
    headers: route.body === undefined ? headers : { "content-type": "application/json", ...headers },
    ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
  };
}

/** The one security suite every protected area runs. */
export function securitySuite(area: string, audience: Audience, routes: ProtectedRoute[]) {
  describe(`${area}: security`, () => {
    let revokedKey = "";
    let liveKey = "";

    beforeAll(async () => {
      const account = await newAccount();
      liveKey = account.key;
      const extra = await gw("/v1/keys", { method: "POST", headers: bearer(liveKey) });
      revokedKey = ((await extra.json()) as { key: string; id: string }).key;
      const id = ((await (await gw("/v1/keys", { headers: bearer(liveKey) })).json()) as { data: { id: string }[] })
        .data[1]?.id;
      expect((await gw(`/v1/keys/${id}`, { method: "DELETE", headers: bearer(liveKey) })).status).toBe(200);
    });

    for (const route of routes) {
      const label = `${route.method} ${route.path}`;
      if (audience === "admin") {
        it(`${label}: 401 INVALID_ADMIN_SECRET without the admin secret`, async () => {
          await expectError(await gw(route.path, request(route, {})), 401, "INVALID_ADMIN_SECRET");
        });
        it(`${label}: 401 INVALID_ADMIN_SECRET with a wrong admin secret`, async () => {
          const headers = { "x-admin-secret": `${ADMIN_SECRET}x` };
          await expectError(await gw(route.path, request(route, headers)), 401, "INVALID_ADMIN_SECRET");
        });
        it(`${label}: 401 with a customer key instead of the admin secret`, async () => {
          await expectError(await gw(route.path, request(route, bearer(liveKey))), 401, "INVALID_ADMIN_SECRET");
        });
        it(`${label}: 404 NOT_FOUND while ADMIN_SECRET is unset`, async () => {
          const res = await gwWith({ ADMIN_SECRET: undefined }, route.path, request(route, admin()));
          await expectError(res, 404, "NOT_FOUND");
        });
        continue;
      }

      it(`${label}: 401 MISSING_API_KEY with no key`, async () => {
        await expectError(await gw(route.path, request(route, {})), 401, "MISSING_API_KEY");
      });
      it(`${label}: 401 INVALID_API_KEY with an unknown key`, async () => {
        const res = await gw(route.path, request(route, bearer(uniqueKey("unknown"))));
        await expectError(res, 401, "INVALID_API_KEY");
      });
      it(`${label}: 401 INVALID_API_KEY with an unknown X-API-Key`, async () => {
        const res = await gw(route.path, request(route, { "x-api-key": uniqueKey("unknown") }));
        await expectError(res, 401, "INVALID_API_KEY");
      });
      it(`${label}: 401 INVALID_API_KEY with a revoked key`, async () => {
        await expectError(await gw(route.path, request(route, bearer(revokedKey))), 401, "INVALID_API_KEY");
      });
      it.each([
        ["an empty bearer", "Bearer "],
        ["an over-long key", `Bearer ${"k".repeat(257)}`],
        ["a non-printable key", "Bearer abc\tdefghijk"],
        ["a too-short key", "Bearer short"],
        ["a non-Bearer scheme", `Basic ${btoa("user:pass")}`],
      ])(`${label}: 401 INVALID_API_KEY with %s`, async (_, authorization) => {
        await expectError(await gw(route.path, request(route, { authorization })), 401, "INVALID_API_KEY");
      });
      it(`${label}: 401 with a wrong RapidAPI proxy secret, even beside a valid key`, async () => {
        const headers = { ...rapid("mallory", "PRO", `${RAPIDAPI_SECRET}-wrong`), ...bearer(liveKey) };
        await expectError(await gw(route.path, request(route, headers)), 401, "INVALID_API_KEY");
      });
      it(`${label}: 401 with a proxy secret while RAPIDAPI_SECRET is unset`, async () => {
        const res = await gwWith({ RAPIDAPI_SECRET: undefined }, route.path, request(route, rapid("mallory")));
        await expectError(res, 401, "INVALID_API_KEY");
      });
      it(`${label}: 401 with the right proxy secret but no X-RapidAPI-User`, async () => {
        const res = await gw(route.path, request(route, { "x-rapidapi-proxy-secret": RAPIDAPI_SECRET }));
        await expectError(res, 401, "INVALID_API_KEY");
      });
      if (audience === "keyHolder") {
        it(`${label}: 403 FORBIDDEN for RapidAPI subscribers`, async () => {
          await expectError(await gw(route.path, request(route, rapid("alice"))), 403, "FORBIDDEN");
        });
      }
    }
  });
}
