import * as apiKeys from "../../lib/api-keys.ts";
import { ApiError } from "../../lib/errors.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import type * as routes from "./keys.routes.ts";
import { toApiKey } from "./keys.schemas.ts";

const noSuchKey = (id: string) => new ApiError("NOT_FOUND", `Your account has no key '${id}'.`);

export const listKeys: AppRouteHandler<typeof routes.listKeys> = async (c) => {
  const { account_id, key } = c.var.caller;
  const records = await c.var.services.store.accounts.listKeys(account_id, key);
  return c.json({ object: "list" as const, data: records.map(toApiKey) }, 200);
};

export const createKey: AppRouteHandler<typeof routes.createKey> = async (c) => {
  const { store, now } = c.var.services;
  const name = c.req.valid("json").name ?? "default";
  const { record, key } = await apiKeys.issueKey(store, c.var.caller.account_id, name, now(), c.var.caller.key);
  return c.json({ ...toApiKey(record), key }, 201);
};

export const rotateKey: AppRouteHandler<typeof routes.rotateKey> = async (c) => {
  const { store, now } = c.var.services;
  const { id } = c.req.valid("param");
  const rotated = await apiKeys.rotateKey(store, c.var.caller.account_id, id, now(), c.var.caller.key);
  if (!rotated) throw noSuchKey(id);
  // Other isolates learn it from the account's own check; this one forgets the old secret now.
  c.var.services.keyCache.delete(rotated.oldHash);
  return c.json({ ...toApiKey(rotated.record), key: rotated.key }, 200);
};

export const revokeKey: AppRouteHandler<typeof routes.revokeKey> = async (c) => {
  const { store, now } = c.var.services;
  const { id } = c.req.valid("param");
  const record = await apiKeys.revokeKey(store, c.var.caller.account_id, id, now(), c.var.caller.key);
  if (!record) throw noSuchKey(id);
  c.var.services.keyCache.delete(record.hash);
  return c.json(toApiKey(record), 200);
};
