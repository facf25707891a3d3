import type { Hook } from "@hono/zod-openapi";
import type { z } from "zod";
import { ApiError } from "./errors.ts";
import type { HonoEnv } from "./types.ts";

/** C0/C1 controls and the bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069). */
const UNSAFE_CHARACTERS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/**
 * Free text the gateway stores and shows back (key names, ids): well-formed Unicode, since a lone
 * surrogate breaks JSON decoders (Redis' cjson could not revoke such a key), and nothing that
 * disguises what a listing shows (controls, bidi overrides and isolates).
 */
function isSafeText(value: string): boolean {
  return value.isWellFormed() && !UNSAFE_CHARACTERS.test(value);
}

const SAFE_TEXT_MESSAGE = "must be well-formed Unicode without control or bidi override characters";

/** The refinement every stored free-text field of a contract carries: `safeText(z.string().max(64))`. */
export function safeText<T extends z.ZodType<string>>(schema: T): T {
  return schema.refine(isSafeText, { message: SAFE_TEXT_MESSAGE }) as T;
}

/** `messages[0].content`, the way OpenAI-style clients name a field. */
export function formatParam(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) return "is required";
  if (issue.code === "unrecognized_keys") return `has unknown field(s) ${issue.keys.join(", ")}`;
  return issue.message.replace(/^Invalid input: /, "").replace(/^./, (ch) => ch.toLowerCase());
}

/** Turns the first zod issue into a 400 that names the field, for every contract. */
export function validationError(error: z.ZodError, target: string): ApiError {
  const [first, ...rest] = error.issues;
  if (!first) return new ApiError("INVALID_REQUEST", `Invalid request ${target}.`);
  const param = formatParam(first.path) || undefined;
  const where = target === "json" ? "body" : target;
  const subject = param ? `'${param}'` : `The request ${where}`;
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})` : "";
  return new ApiError("INVALID_REQUEST", `${subject} ${describe(first)}${more}.`, { param });
}

export const defaultHook: Hook<unknown, HonoEnv, string, unknown> = (result) => {
  if (!result.success) throw validationError(result.error, result.target);
};
