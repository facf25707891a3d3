import type { Hook } from "@hono/zod-openapi";
import type { z } from "zod";
import { ApiError } from "./errors.ts";
import type { HonoEnv } from "./types.ts";

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
