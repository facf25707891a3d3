type Level = "debug" | "info" | "warn" | "error";

/**
 * One JSON object per line, for Workers Logs and `wrangler tail`. Callers pass
 * explicit fields only: never a header map, a body or an env object, so no key
 * or secret can ride along.
 */
export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
