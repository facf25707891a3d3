import type { AccountSource } from "../stores/ports.ts";

/** Who is calling, as established by the auth middleware. */
export interface Caller {
  account_id: string;
  source: AccountSource;
  /** RapidAPI subscription plan (X-RapidAPI-Subscription); null for key holders. */
  plan: string | null;
  /** The native key used; null for RapidAPI callers. */
  key_id: string | null;
}
