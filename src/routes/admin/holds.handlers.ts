import { ApiError } from "../../lib/errors.ts";
import { log } from "../../lib/log.ts";
import type { AppRouteHandler } from "../../lib/types.ts";
import { type DeadLetter, opsObject } from "../../stores/durable-object/ops.ts";
import type { listStaleHolds } from "./holds.routes.ts";

async function deadLetters(env: Parameters<typeof opsObject>[0], limit: number): Promise<DeadLetter[]> {
  if (!env.OPS) return [];
  try {
    return (await opsObject(env).deadLetters(limit)) as DeadLetter[];
  } catch (error) {
    log("error", "ops object unreachable", { error: error instanceof Error ? error.name : "unknown" });
    throw new ApiError("STORE_UNAVAILABLE", "The dead letters cannot be read right now; retry shortly.");
  }
}

export const staleHolds: AppRouteHandler<typeof listStaleHolds> = async (c) => {
  const { limit } = c.req.valid("query");
  const { store, now } = c.var.services;
  const [holds, letters] = await Promise.all([store.holds.stale(now(), limit), deadLetters(c.env, limit)]);
  return c.json(
    {
      stale_holds: holds,
      dead_letters: letters.map((letter) => ({
        ...letter,
        body: letter.body !== null && typeof letter.body === "object" ? (letter.body as Record<string, unknown>) : null,
      })),
    },
    200,
  );
};
