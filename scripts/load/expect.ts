// What each planned fate may legitimately end in, so anything else counts as unexpected.
import type { Outcome } from "./client.ts";

/** `status code` labels, e.g. `200`, `200 stream-error:PROVIDER_TIMEOUT`, `502 PROVIDER_ERROR`, `left mid`. */
export function label(o: Outcome): string {
  if (o.failure) return "transport failure";
  if (o.left) return `left ${o.left}${o.status ? ` (after ${o.status})` : ""}`;
  if (o.status === 200 && o.call.stream) return o.done ? "200 stream" : `200 stream-error:${o.code ?? "none"}`;
  return o.code ? `${o.status} ${o.code}` : String(o.status);
}

/**
 * The gateway's answer when a store request passes its 600 ms limit (src/services.ts): on a local
 * store it only comes when the machine is overloaded. Such a call must still be free and leave no hold.
 */
export const storeTimeout = (o: Outcome) => o.status === 503 && o.code === "STORE_UNAVAILABLE";

/** Why an outcome is not one its fate allows; null when it is. Store timeouts are allowed unless `strict`. */
export function unexpected(o: Outcome, strict = false): string | null {
  const { fate, stream } = o.call;
  if (o.failure) return `transport failure: ${o.failure}`;
  if (o.status === 500) return "500";
  // An account that cannot afford the hold is refused before anything else happens.
  if (o.status === 402 && o.code === "INSUFFICIENT_CREDITS") return null;
  if (storeTimeout(o) && !strict) return null;
  if (o.left) {
    if (fate === "leave-mid" && o.left === "mid") return null;
    if (fate === "leave-early" && o.left === "early" && o.status === 0) return null;
    return `left ${o.left} on a ${fate} call`;
  }
  const streamError = (codes: string[]) =>
    stream && o.status === 200 && !o.done && o.code !== null && codes.includes(o.code);
  const answer = (status: number, code: string) => o.status === status && o.code === code;
  const ok = o.status === 200 && (!stream || o.done);
  let fine: boolean;
  switch (fate) {
    case "ok":
    case "leave-early": // the answer may come before the client leaves
      fine = ok;
      break;
    case "leave-mid": // a 200 stream is left at its first chunk; only an error answer is read
      fine = false;
      break;
    case "upstream-5xx":
      fine = answer(502, "PROVIDER_ERROR");
      break;
    case "upstream-429":
      fine = answer(429, "PROVIDER_RATE_LIMITED");
      break;
    case "stall-first-byte":
      fine = answer(504, "PROVIDER_TIMEOUT");
      break;
    case "stall-mid":
      fine = stream
        ? streamError(["PROVIDER_TIMEOUT"])
        : answer(502, "PROVIDER_ERROR") || answer(504, "PROVIDER_TIMEOUT");
      break;
    case "error-mid":
      fine = streamError(["PROVIDER_ERROR", "PROVIDER_TIMEOUT", "PROVIDER_RATE_LIMITED"]);
      break;
  }
  return fine ? null : `${label(o)} on a ${stream ? "streamed" : "plain"} ${fate} call`;
}
