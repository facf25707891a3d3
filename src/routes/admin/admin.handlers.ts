import { accountForKey, isAcceptableKey, isRapidApiAccount, issueKey, newAccountId } from "../../lib/api-keys.ts";
import { randomHex } from "../../lib/crypto.ts";
import { ApiError } from "../../lib/errors.ts";
import { creditsNumber, creditsToMicros, formatCredits, isoTime } from "../../lib/money.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import { toApiKey } from "../keys/keys.schemas.ts";
import type * as routes from "./admin.routes.ts";

const noSuchAccount = (id: string) => new ApiError("NOT_FOUND", `There is no account '${id}'.`);

function refuseRapidApi(accountId: string): void {
  if (isRapidApiAccount(accountId)) {
    throw new ApiError("INVALID_REQUEST", "RapidAPI accounts are billed by RapidAPI and hold no prepaid credits.", {
      param: "accountId",
    });
  }
}

export const addCredits: AppRouteHandler<typeof routes.addCredits> = async (c) => {
  const { store, now } = c.var.services;
  const body = c.req.valid("json");
  const idempotencyKey = c.req.valid("header")["Idempotency-Key"];
  const micros = creditsToMicros(body.credits);
  if (micros === null) {
    throw new ApiError("INVALID_REQUEST", "'credits' must be a positive amount with at most 6 decimals.", {
      param: "credits",
    });
  }
  let accountId: string;
  if (body.apiKey !== undefined) {
    if (!isAcceptableKey(body.apiKey)) {
      throw new ApiError("INVALID_REQUEST", "'apiKey' must be 8 to 256 printable characters.", { param: "apiKey" });
    }
    accountId = (await accountForKey(store, body.apiKey, now())).account_id;
  } else {
    accountId = body.accountId as string;
    refuseRapidApi(accountId);
  }
  const result = await store.ledger.credit(
    accountId,
    {
      amount_micros: micros,
      reason: "admin_grant",
      reference: idempotencyKey === undefined ? null : `idempotency:${idempotencyKey}`,
      // Without a header every call is its own grant.
      idempotency_key: `admin:${idempotencyKey ?? randomHex(16)}`,
      create_account: body.apiKey !== undefined,
    },
    now(),
  );
  if (result.status === "account_not_found") throw noSuchAccount(accountId);
  if (result.status === "limit_exceeded") {
    const room = Math.max(0, Number.MAX_SAFE_INTEGER - result.balance.balance_micros);
    throw new ApiError(
      "INVALID_REQUEST",
      `This grant would take the balance past ${formatCredits(Number.MAX_SAFE_INTEGER)} credits, the most an account holds exactly; it can take at most ${formatCredits(room)} more. Nothing was granted.`,
      { param: "credits" },
    );
  }
  if (result.status === "replayed" && result.entry.amount_micros !== micros) {
    throw new ApiError(
      "INVALID_REQUEST",
      "This Idempotency-Key was already used for a different amount on this account.",
      { param: "Idempotency-Key" },
    );
  }
  const available = result.balance.balance_micros - result.balance.held_micros;
  return c.json(
    {
      account_id: accountId,
      granted_micros: result.entry.amount_micros,
      credits: creditsNumber(available),
      credits_micros: available,
      entry_id: result.entry.id,
      replayed: result.status === "replayed",
    },
    200,
  );
};

export const createAccount: AppRouteHandler<typeof routes.createAccount> = async (c) => {
  const { store, now } = c.var.services;
  const body = c.req.valid("json");
  const account = await store.accounts.create({ id: newAccountId(), source: "key", plan: null }, now());
  const { record, key } = await issueKey(store, account.id, body.key_name ?? "default", now(), null);
  return c.json(
    {
      id: account.id,
      source: account.source,
      plan: account.plan,
      created_at: isoTime(account.created_at) as string,
      key: { ...toApiKey(record), key },
    },
    201,
  );
};

export const createAccountKey: AppRouteHandler<typeof routes.createAccountKey> = async (c) => {
  const { store, now } = c.var.services;
  const { id } = c.req.valid("param");
  refuseRapidApi(id);
  if (!(await store.accounts.get(id))) throw noSuchAccount(id);
  const { record, key } = await issueKey(store, id, c.req.valid("json").name ?? "default", now(), null);
  return c.json({ ...toApiKey(record), key }, 201);
};
