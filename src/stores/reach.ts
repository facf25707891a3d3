import { ApiError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";

/** A store call that fails answers 503 STORE_UNAVAILABLE: never a free or half-done call. */
export async function reach<T>(store: string, op: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    log("error", "store unavailable", { store, op, error: error instanceof Error ? error.message : String(error) });
    throw new ApiError("STORE_UNAVAILABLE", "The credit store is unavailable; nothing was charged. Retry shortly.", {
      cause: error,
    });
  }
}
