import { ApiError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import type { Store, UsageCharge } from "../stores/ports.ts";
import type { RapidApiAccrual } from "../stores/rapidapi-ports.ts";

/**
 * A call's ending the store could not take past its quick retries (DESIGN "When settle runs"):
 * queued durably and applied when the store is back. Every kind is idempotent in the store (by
 * hold id, or call id), so a message delivered twice applies once.
 */
export type LedgerMessage =
  | { kind: "settle"; account_id: string; hold_id: string; charge: UsageCharge; at: number }
  | { kind: "release"; account_id: string; hold_id: string; at: number }
  | { kind: "accrue"; account_id: string; accrual: RapidApiAccrual; at: number };

/** Where endings go when the store is down: a Cloudflare Queue producer in production. */
export interface LedgerQueue {
  /** `delaySeconds`: not delivered before then. */
  send(message: LedgerMessage, options?: { delaySeconds?: number }): Promise<void>;
}

/** Queues an ending; if even the queue refuses, the loss is logged loudly for an operator. */
export async function queueEnding(
  queue: LedgerQueue | undefined,
  message: LedgerMessage,
  requestId: string,
  options?: { delaySeconds?: number },
) {
  const context = { request_id: requestId, kind: message.kind, account_id: message.account_id };
  if (!queue) {
    log("error", "call ending lost: the store is down and no ledger queue is bound", context);
    return;
  }
  try {
    await (options ? queue.send(message, options) : queue.send(message));
    log("warn", "call ending queued until the store is back", context);
  } catch (error) {
    log("error", "call ending lost: the ledger queue refused it", {
      ...context,
      error: error instanceof Error ? error.name : "unknown",
    });
  }
}

/** Applies one queued ending to the store; throws when the store still cannot take it. */
export async function applyEnding(store: Store, message: LedgerMessage): Promise<void> {
  switch (message.kind) {
    case "settle":
      await store.ledger.settle(message.account_id, message.hold_id, message.charge, message.at);
      return;
    case "release":
      await store.ledger.release(message.account_id, message.hold_id, message.at);
      return;
    case "accrue":
      await store.rapidapi.accrue(message.account_id, message.accrual, message.at);
      return;
  }
}

/** Seconds before a message is tried again: 10, 20, 40 … up to 5 minutes. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 10 * 2 ** Math.max(0, attempts - 1));

/** A message that can never apply (not a ledger message at all) is acknowledged and logged, not retried. */
export function isLedgerMessage(body: unknown): body is LedgerMessage {
  if (body === null || typeof body !== "object") return false;
  const { kind, account_id } = body as { kind?: unknown; account_id?: unknown };
  return (kind === "settle" || kind === "release" || kind === "accrue") && typeof account_id === "string";
}

export const storeStillDown = (error: unknown) => error instanceof ApiError && error.code === "STORE_UNAVAILABLE";
