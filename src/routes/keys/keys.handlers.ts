import * as apiKeys from "../../lib/api-keys.ts";
import { ApiError } from "../../lib/errors.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import type * as routes from "./keys.routes.ts";
import { toApiKey } from "./keys.schemas.ts";

const noSuchKey = (id: string) => new ApiError("NOT_FOUND", `Your account has no key '${id}'.`);

export const listKeys: AppRouteHandler<typeof routes.listKeys> = async (c) => {
  const { store } = c.var.services;
  const records = await store.accounts.listKeys(c.var.caller.account_id);
  const lastUsed = await Promise.all(records.map((record) => store.keys.lastUsed(record.hash)));
  return c.json(
    { object: "list" as const, data: records.map((record, i) => toApiKey(record, lastUsed[i] ?? null)) },
    200,
  );
};

export const createKey: AppRouteHandler<typeof routes.createKey> = async (c) => {
  const { store, now } = c.var.services;
  const name = c.req.valid("json").name ?? "default";
  const { record, key } = await apiKeys.issueKey(store, c.var.caller.account_id, name, now());
  return c.json({ ...toApiKey(record), key }, 201);
};

export const rotateKey: AppRouteHandler<typeof routes.rotateKey> = async (c) => {
  const { store, now } = c.var.services;
  const { id } = c.req.valid("param");
  const rotated = await apiKeys.rotateKey(store, c.var.caller.account_id, id, now());
  if (!rotated) throw noSuchKey(id);
  return c.json({ ...toApiKey(rotated.record), key: rotated.key }, 200);
};

export const revokeKey: AppRouteHandler<typeof routes.revokeKey> = async (c) => {
  const { store, now } = c.var.services;
  const { id } = c.req.valid("param");
  const record = await apiKeys.revokeKey(store, c.var.caller.account_id, id, now());
  if (!record) throw noSuchKey(id);
  return c.json(toApiKey(record), 200);
};
