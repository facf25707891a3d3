import { ApiError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";

/**
 * Why a store call failed: `unavailable` when the store could not be reached or did not answer in
 * time (worth retrying), `fault` when it answered with an error (a script or command that failed):
 * retrying changes nothing and someone has to look, so it is not dressed up as an outage.
 */
export type StoreFailure = "unavailable" | "fault";

/** What an account operation answers when the caller's key is not live there (revoked, rotated away, unknown). */
export const refusedKey = () => new ApiError("INVALID_API_KEY", "The API key is not valid.");

/**
 * Runs one store call. Unreachable: 503 STORE_UNAVAILABLE, never a free or half-done call. A fault:
 * logged as an internal error, 500 INTERNAL_ERROR. ApiErrors (a refused key) pass through.
 */
export async function reach<T>(
  store: string,
  op: string,
  call: () => Promise<T>,
  classify: (error: unknown) => StoreFailure,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    if (classify(error) === "fault") {
      log("error", "store fault", { store, op, error: detail });
      throw new ApiError(
        "INTERNAL_ERROR",
        "The credit store failed this operation. Quote the request id if you report it.",
        {
          cause: error,
        },
      );
    }
    log("error", "store unavailable", { store, op, error: detail });
    throw new ApiError("STORE_UNAVAILABLE", "The credit store is unavailable; nothing was charged. Retry shortly.", {
      cause: error,
    });
  }
}
