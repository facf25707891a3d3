import type { AccountSource, PresentedKey } from "../stores/ports.ts";

/** Who is calling, as established by the auth middleware. */
export interface Caller {
  account_id: string;
  source: AccountSource;
  /** RapidAPI subscription plan (X-RapidAPI-Subscription); null for key holders. */
  plan: string | null;
  /**
   * The native key presented; account operations re-check it is still live (pass it as their `key`).
   * Null for RapidAPI callers.
   */
  key: PresentedKey | null;
}
