// The recorded-fixture format the fake upstream replays (test/fixtures/<provider>/). Pure Node: the
// fake server and the adapter unit tests (test/helpers/fixtures.ts) read the same files through here.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

export const FIXTURES_ROOT = join(import.meta.dirname, "..", "fixtures");

const RouteSchema = z.strictObject({
  method: z.string().default("POST"),
  /** An exact pathname, or a regular expression (starting with `^`) whose named groups (e.g. `model`) are kept. */
  path: z.string().min(1),
  /** When the answer is a stream: a JSON body field set to `true`, or always. Absent: never. */
  stream: z.union([z.strictObject({ bodyField: z.string() }), z.strictObject({ always: z.literal(true) })]).optional(),
  /** The case played when the request names none. */
  default: z.string(),
});

const OutputCapSchema = z.strictObject({
  /** The request's output limit, as a dotted path in its JSON body (`generationConfig.maxOutputTokens`). */
  request: z.string().min(1),
  /** The usage object in an answer or stream frame, as a dotted path (`usageMetadata`). */
  usage: z.string().min(1),
  /** The usage counts the limit covers, in the order the model spends them (thinking first). */
  spend: z.array(z.string()).min(1),
  /** A count holding the sum of all, lowered by what the cap took off (`totalTokenCount`). */
  total: z.string().optional(),
});
export type OutputCap = z.output<typeof OutputCapSchema>;

const DescriptorSchema = z.strictObject({
  routes: z.array(RouteSchema).min(1),
  /** Where the key travels: a header (optionally after a scheme such as `Bearer`), or a query parameter. */
  auth: z.strictObject({ header: z.string(), scheme: z.string().optional(), query: z.string().optional() }),
  sse: z.strictObject({
    /** A JSON field whose value becomes each frame's `event:` line (Anthropic: `type`); null for none. */
    eventField: z.string().nullable(),
    /** A last data payload sent after a complete stream (OpenAI: `[DONE]`); null when the stream just ends. */
    terminator: z.string().nullable(),
  }),
  /** The header carrying the fake's request id on every answer (e.g. `x-request-id`). */
  requestIdHeader: z.string().optional(),
  /** Headers sent on every answer (rate-limit headers and the like). */
  headers: z.record(z.string(), z.string()).default({}),
  /**
   * The provider never reports more output than the request allowed (Gemini counts thinking inside
   * maxOutputTokens): a recorded usage over the request's limit is lowered to it (see capUsage).
   */
  outputCap: OutputCapSchema.optional(),
});

export type ProviderDescriptor = z.output<typeof DescriptorSchema>;
export type Route = ProviderDescriptor["routes"][number];
export type SseConfig = ProviderDescriptor["sse"];

export function providerDir(provider: string, root = FIXTURES_ROOT): string {
  return join(root, provider);
}

export function loadDescriptor(provider: string, root = FIXTURES_ROOT): ProviderDescriptor {
  const file = join(providerDir(provider, root), "provider.json");
  const parsed = DescriptorSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The route a request takes, with the path's named groups; undefined when none matches. */
export function matchRoute(
  descriptor: ProviderDescriptor,
  method: string,
  pathname: string,
): { route: Route; groups: Record<string, string> } | undefined {
  for (const route of descriptor.routes) {
    if (route.method.toUpperCase() !== method.toUpperCase()) continue;
    if (!route.path.startsWith("^")) {
      if (route.path === pathname) return { route, groups: {} };
      continue;
    }
    const match = new RegExp(route.path).exec(pathname);
    if (match) return { route, groups: { ...match.groups } };
  }
  return undefined;
}

/** The key a request presented where the provider expects it; undefined when it sent none. */
export function presentedKey(
  descriptor: ProviderDescriptor,
  headers: Record<string, string | string[] | undefined>,
  url: URL,
): string | undefined {
  const { auth } = descriptor;
  const header = headers[auth.header.toLowerCase()];
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value) {
    if (auth.scheme === undefined) return value;
    const match = new RegExp(`^${auth.scheme}\\s+(\\S+)$`, "i").exec(value);
    if (match?.[1]) return match[1];
  }
  return (auth.query && url.searchParams.get(auth.query)) || undefined;
}

// ---------------------------------------------------------------------------------------------
// Case files

export type CaseBody =
  | { kind: "json"; text: string }
  | { kind: "raw"; text: string }
  | { kind: "bin"; bytes: Buffer }
  | { kind: "chunks"; lines: string[] };

export interface CaseFiles {
  body: CaseBody;
  /** From `<case>.headers.json`, when present. */
  status?: number;
  headers: Record<string, string>;
}

const HeadersFileSchema = z.strictObject({
  status: z.number().int().min(100).max(599).optional(),
  headers: z.record(z.string(), z.string()).default({}),
});

/** A case name or `errors/<name>`: letters, digits, `_`, `-`, `.`; never a path out of the folder. */
export const CASE_NAME = /^(?:errors\/)?[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The chunk lines of a `.chunks.txt` text: one data payload per line, blank lines skipped. */
export function chunkLines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.replace(/\r$/, ""))
    .filter((line) => line.trim() !== "");
}

function readBody(base: string, ext: string): CaseBody | undefined {
  const file = `${base}${ext}`;
  if (!existsSync(file)) return undefined;
  if (ext === ".bin") return { kind: "bin", bytes: readFileSync(file) };
  const text = readFileSync(file, "utf8");
  if (ext === ".chunks.txt") return { kind: "chunks", lines: chunkLines(text) };
  return { kind: ext === ".json" ? "json" : "raw", text };
}

/**
 * A case's files: the form the request wants first (`.chunks.txt` for a stream, `.json` otherwise),
 * then whatever the case has (`.json`, `.raw`, `.bin`, `.chunks.txt`). Undefined when it has none.
 */
export function readCase(dir: string, name: string, stream: boolean): CaseFiles | undefined {
  if (!CASE_NAME.test(name)) throw new Error(`bad case name "${name}"`);
  const base = join(dir, name);
  const order = stream ? [".chunks.txt", ".json", ".raw", ".bin"] : [".json", ".raw", ".bin", ".chunks.txt"];
  let body: CaseBody | undefined;
  for (const ext of order) {
    body = readBody(base, ext);
    if (body) break;
  }
  if (!body) return undefined;
  const headersFile = `${base}.headers.json`;
  if (!existsSync(headersFile)) return { body, headers: {} };
  const extra = HeadersFileSchema.safeParse(JSON.parse(readFileSync(headersFile, "utf8")));
  if (!extra.success) throw new Error(`${headersFile}: ${z.prettifyError(extra.error)}`);
  return { body, headers: extra.data.headers, ...(extra.data.status ? { status: extra.data.status } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Templating

export interface TemplateVars {
  /** The body's `model`, or the path's `model` group. */
  model?: string;
  /** The key the request presented. */
  key?: string;
}

/** `sk-proj-abcd…wxyz` → `sk-****…wxyz`: the first 3 and last 4 characters, as OpenAI quotes a key. */
export function maskKey(key: string): string {
  if (key.length <= 8) return "*".repeat(key.length);
  return `${key.slice(0, 3)}${"*".repeat(key.length - 7)}${key.slice(-4)}`;
}

/**
 * Fills `{{model}}`, `{{key}}` and `{{key_masked}}`. In JSON texts (`json`) the values are escaped as
 * JSON string content, so a placeholder inside a string stays valid JSON. Unknown values stay as written.
 */
export function fillTemplate(text: string, vars: TemplateVars, json: boolean): string {
  const values: Record<string, string | undefined> = {
    model: vars.model,
    key: vars.key,
    key_masked: vars.key === undefined ? undefined : maskKey(vars.key),
  };
  return text.replace(/\{\{(model|key|key_masked)\}\}/g, (placeholder, name: string) => {
    const value = values[name];
    if (value === undefined) return placeholder;
    return json ? JSON.stringify(value).slice(1, -1) : value;
  });
}

// ---------------------------------------------------------------------------------------------
// SSE framing

export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * The SSE events for chunk lines: each line is one data payload, preceded by `event: <line[eventField]>`
 * when the provider names its events that way and the line is JSON carrying that field. With
 * `terminate`, the provider's terminator follows unless the last line already is it.
 */
export function sseEvents(lines: readonly string[], sse: SseConfig, terminate: boolean): SseEvent[] {
  const events = lines.map((data): SseEvent => {
    const event = sse.eventField === null ? undefined : eventName(data, sse.eventField);
    return event === undefined ? { data } : { event, data };
  });
  if (terminate && sse.terminator !== null && lines.at(-1) !== sse.terminator) events.push({ data: sse.terminator });
  return events;
}

function eventName(data: string, field: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(data);
    if (parsed === null || typeof parsed !== "object") return undefined;
    const value = (parsed as Record<string, unknown>)[field];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined; // a deliberately broken line goes out as is
  }
}

/** One SSE frame on the wire. */
export function sseFrame(event: SseEvent): string {
  return `${event.event === undefined ? "" : `event: ${event.event}\n`}data: ${event.data}\n\n`;
}

// ---------------------------------------------------------------------------------------------
// Output limits

const at = (value: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>(
      (node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
      value,
    );

/** The output limit a request body sets under `cap`; undefined when it sets none. */
export function requestedLimit(cap: OutputCap | undefined, body: unknown): number | undefined {
  const limit = cap === undefined ? undefined : at(body, cap.request);
  return typeof limit === "number" && Number.isInteger(limit) && limit >= 0 ? limit : undefined;
}

/**
 * A JSON answer or frame whose usage spends more than `limit`, with the counts lowered to it in
 * spending order (and the total with them), as the provider would have stopped there. The text
 * is unchanged when it is within the limit, has no usage, or is not JSON.
 */
export function capUsage(text: string, cap: OutputCap, limit: number): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  const usage = at(parsed, cap.usage);
  if (usage === null || typeof usage !== "object") return text;
  const counts = usage as Record<string, unknown>;
  let left = limit;
  let removed = 0;
  for (const field of cap.spend) {
    const count = counts[field];
    if (typeof count !== "number") continue;
    const kept = Math.min(count, left);
    counts[field] = kept;
    left -= kept;
    removed += count - kept;
  }
  if (removed === 0) return text;
  const total = cap.total === undefined ? undefined : counts[cap.total];
  if (cap.total !== undefined && typeof total === "number") counts[cap.total] = total - removed;
  return JSON.stringify(parsed);
}
