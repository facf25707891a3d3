import { type Bindings, loadEnv } from "./env.ts";
import { log } from "./lib/log.ts";
import { applyEnding, isLedgerMessage, retryDelaySeconds } from "./metering/ledger-queue.ts";
import { servicesFor } from "./services.ts";
import { opsObject } from "./stores/durable-object/ops.ts";

/** The ledger queue and its dead-letter queue (wrangler.toml). */
export const LEDGER_QUEUE = "aib-ledger";
export const LEDGER_DEAD_LETTERS = "aib-ledger-dlq";

/**
 * The consumer of queued call endings: each is applied to the store (idempotent by hold id or call
 * id) and acknowledged, or retried later with backoff while the store is still down. After the
 * queue's retries a message goes to the dead-letter queue, whose consumer logs it for an operator.
 */
export async function handleQueue(batch: MessageBatch<unknown>, bindings: Bindings): Promise<void> {
  if (batch.queue === LEDGER_DEAD_LETTERS) {
    // Kept in the ops object, listed by GET /admin/holds?stale=1; retried while even that fails.
    for (const message of batch.messages) {
      log("error", "call ending dead-lettered: apply it by hand", { id: message.id, body: message.body });
      try {
        await opsObject(bindings).addDeadLetter({
          id: message.id,
          body: message.body,
          attempts: message.attempts,
          received_at: Date.now(),
        });
        message.ack();
      } catch {
        message.retry({ delaySeconds: 60 });
      }
    }
    return;
  }
  const env = loadEnv(bindings);
  if (!env.ok) {
    log("error", "ledger queue cannot run: bad environment", { problems: env.problems });
    batch.retryAll({ delaySeconds: 300 });
    return;
  }
  const { store } = servicesFor(bindings, env.config);
  for (const message of batch.messages) {
    if (!isLedgerMessage(message.body)) {
      log("error", "ledger queue: not a ledger message, dropped", { id: message.id });
      message.ack();
      continue;
    }
    try {
      await applyEnding(store, message.body);
      message.ack();
    } catch (error) {
      log("warn", "ledger queue: ending not applied yet", {
        id: message.id,
        kind: message.body.kind,
        attempts: message.attempts,
        error: error instanceof Error ? error.message : "unknown",
      });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
