import type { StoreFailure } from "../reach.ts";

/**
 * Redis replies that mean the server cannot serve right now (loading, failing over, out of memory,
 * a script hogging it, Upstash's request quota), not that the command was wrong.
 */
const TRANSIENT =
  /^(BUSY|LOADING|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MISCONF|OOM)\b|request limit exceeded/i;

/**
 * Every store call is a script or command sent in a pipeline, so a Redis error reply arrives inside a
 * 200 answer and @upstash/redis throws an UpstashError "Command failed: <reply>" (or "Command N [ X ]
 * failed: <reply>"): the store answered, with an error. Anything else failed on the way: fetch errors,
 * timeouts, an unreadable body, or a refused HTTP request ("<error>, command was: ..." for a 401 or
 * a 5xx such as Redis being unreachable behind the endpoint).
 */
export function classifyRedisError(error: unknown): StoreFailure {
  if (!(error instanceof Error) || error.name !== "UpstashError") return "unavailable";
  const reply = /^Command (?:\d+ \[ \S+ \] )?failed: ([\s\S]*)$/.exec(error.message)?.[1];
  if (reply === undefined) return "unavailable";
  return TRANSIENT.test(reply) ? "unavailable" : "fault";
}
