/**
 * Property-based fuzzing of every operation of both OpenAPI documents (the public /openapi.json and
 * the operator's /admin/openapi.json), against the real Worker with every provider configured
 * against the fake upstreams. Each run sends one generated request to every operation (bodies from
 * the operation's request schema, valid or broken on purpose; random auth and other headers; mutated
 * paths, query strings and methods) and asserts what any client may rely on, whatever it sends:
 * no 5xx, every error is the one envelope with a code of the table and the x-request-id it answers
 * with, no secret and no stack trace in any answer, and every 2xx is the documented content type.
 *
 * Bounded: NUM_RUNS runs or TIME_LIMIT_MS, whichever ends first. A failure prints fast-check's seed
 * and path; pass them to `fc.assert` (see PARAMETERS) to replay it.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { SECRET_VARS } from "../../src/env.ts";
import { ERROR_TABLE } from "../../src/lib/errors.ts";
import { ADMIN_SECRET, bearer, grant, gw, gwWith, newAccount, RAPIDAPI_SECRET } from "../helpers/gateway.ts";
import { event, signature } from "../helpers/stripe.ts";

const NUM_RUNS = 120;
const TIME_LIMIT_MS = 35_000;
/** Fewer complete runs than this within the time limit fails the test rather than passing vacuously. */
const MIN_RUNS = 10;
/** Streamed chat answers take longest (frames are paced by the fake): at most this many per test. */
const MAX_STREAMS = 40;
/** Replay a failure: `{ seed: <seed>, path: "<path>", endOnFailure: true }` as printed by fast-check. */
const PARAMETERS: fc.Parameters<unknown> = {};

// ---------------------------------------------------------------------------------------------
// The documents

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  nullable?: boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  example?: unknown;
  format?: string;
};
type Parameter = { name: string; in: "path" | "query" | "header"; required?: boolean; schema: Schema };
type OperationObject = {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
  security?: Record<string, unknown>[];
};
type Document = {
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, Schema> };
};
type Operation = { method: string; path: string; op: OperationObject; key: string };
/** Counterexamples name the operation, not its whole document entry. */
const printable = (op: Operation): Operation =>
  Object.assign(op, { [fc.toStringMethod]: () => JSON.stringify(op.key) });

const METHODS = ["get", "post", "put", "patch", "delete", "head", "options", "trace"];

function operationsOf(docs: Document[]): Operation[] {
  const byKey = new Map<string, Operation>();
  for (const doc of docs) {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!METHODS.includes(method)) continue;
        const key = `${method.toUpperCase()} ${path}`;
        if (!byKey.has(key)) byKey.set(key, printable({ method: method.toUpperCase(), path, op, key }));
      }
    }
  }
  return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
}

// ---------------------------------------------------------------------------------------------
// The world the requests act on: accounts, keys, the catalog

type Model = { id: string; kind: string; shutdown_date: string | null };
interface World {
  main: { account_id: string; key: string; key_id: string };
  other: { account_id: string; key: string; key_id: string };
  revoked: { key: string; key_id: string };
  models: Model[];
  voices: string[];
  /** Every configured secret (SECRET_VARS), by name. */
  secrets: [string, string][];
  /** Keys no answer may show, but the one that creates it. */
  keys: Set<string>;
  maxBodyBytes: number;
  operations: Operation[];
}

// ---------------------------------------------------------------------------------------------
// Generators

const WEIRD_STRINGS = [
  "",
  " ",
  "\u0000",
  "\uD800",
  "\uDFFF",
  "a\uDC00b\uD83D",
  "\u202E\u200B\uFEFF",
  "\u0007\u001b[31m\r\n",
  "NaN",
  "Infinity",
  "-Infinity",
  "-0",
  "1e309",
  "-1",
  "0x10",
  "9007199254740993",
  "null",
  "undefined",
  "true",
  "{}",
  "[]",
  "../../../etc/passwd",
  "%00%ZZ%E0%A4%A",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "$" + "{jndi:ldap://x}",
  "{{key}}",
  "__proto__",
  "constructor",
  "🙂".repeat(40),
  "ﷺ𒐫",
  "a".repeat(5000),
];
const AWKWARD_CHARACTERS = ["a", " ", "\t", "\r", "\n", "\u0000", "\u007f", "\u2028", "\uD800", "é", "🙂", '"', "\\"];
const weirdString = fc.oneof(
  fc.constantFrom(...WEIRD_STRINGS),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
);
const WEIRD_NUMBERS = [
  0,
  -0,
  -1,
  0.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 63,
  1e21,
  -2147483649,
  4294967296,
  5e-324,
];
const weirdNumber = fc.oneof(fc.constantFrom(...WEIRD_NUMBERS), fc.double({ noNaN: true, noDefaultInfinity: true }));
/** Nested arrays or objects, built only when sent (fast-check prints the short form). */
class Deep {
  readonly depth: number;
  readonly arrays: boolean;
  constructor(depth: number, arrays: boolean) {
    this.depth = depth;
    this.arrays = arrays;
  }
  toJSON(): unknown {
    let value: unknown = 1;
    for (let i = 0; i < this.depth; i++) value = this.arrays ? [value] : { a: value };
    return value;
  }
  [fc.toStringMethod](): string {
    return `<${this.depth} nested ${this.arrays ? "arrays" : "objects"}>`;
  }
}
const deepNesting = fc
  .tuple(fc.integer({ min: 20, max: 3000 }), fc.boolean())
  .map(([depth, arrays]) => new Deep(depth, arrays));
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  weirdNumber,
  weirdString,
  fc.constant([]),
  fc.constant({}),
  fc.jsonValue({ maxDepth: 2 }),
  deepNesting,
);

/** A header value fetch accepts (no CR, LF or NUL; Latin-1), but otherwise anything. */
const headerGarbage = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.constantFrom("", " ", "null", "\t", "%ZZ", "x".repeat(9000), "Bearer", "Bearer  "),
);

/**
 * Fields whose valid values come only from their hint. `size`: the fake OpenAI answers every size
 * with its recorded 1024x1024 image and usage, where the real API refuses sizes a model does not
 * make (gpt-image-1: three; gpt-image-2: multiples of 16) and bills a small image a few tokens; a
 * schema-made "16x16" or "3x7" drew a fake-made 502 (usage far above the hold), not a gateway bug.
 */
const ONLY_HINTED = new Set(["size"]);

/** Generates values for a schema: `chaos` sometimes replaces a node with a wrong one. */
class Generator {
  private readonly schemas: Record<string, Schema>;
  private readonly hints: Record<string, fc.Arbitrary<unknown>>;
  constructor(schemas: Record<string, Schema>, hints: Record<string, fc.Arbitrary<unknown>>) {
    this.schemas = schemas;
    this.hints = hints;
  }

  value(schema: Schema, chaos: boolean, depth = 0, name?: string): fc.Arbitrary<unknown> {
    const valid = this.valid(schema, chaos, depth, name);
    if (!chaos) return valid;
    return fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: wrongValue });
  }

  private resolve(schema: Schema): Schema {
    let s = schema;
    for (let i = 0; s.$ref && i < 10; i++) s = this.schemas[s.$ref.split("/").pop() as string] ?? {};
    return s;
  }

  private valid(raw: Schema, chaos: boolean, depth: number, name?: string): fc.Arbitrary<unknown> {
    const schema = this.resolve(raw);
    const hint = name === undefined ? undefined : this.hints[name];
    const plain = this.plain(schema, chaos, depth);
    const withHint =
      hint && name !== undefined && ONLY_HINTED.has(name)
        ? hint
        : hint
          ? fc.oneof({ weight: 4, arbitrary: hint }, { weight: 1, arbitrary: plain })
          : plain;
    return schema.nullable
      ? fc.oneof({ weight: 8, arbitrary: withHint }, { weight: 1, arbitrary: fc.constant(null) })
      : withHint;
  }

  private plain(schema: Schema, chaos: boolean, depth: number): fc.Arbitrary<unknown> {
    if (schema.allOf) {
      const parts = schema.allOf.map((part) => this.resolve(part));
      const merged: Schema = {
        type: "object",
        properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
        required: [...new Set(parts.flatMap((p) => p.required ?? []))],
      };
      return this.plain(merged, chaos, depth);
    }
    const branches = schema.anyOf ?? schema.oneOf;
    if (branches) return fc.oneof(...branches.map((b) => this.valid(b, chaos, depth + 1)));
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const example = schema.example === undefined ? [] : [fc.constant(schema.example)];
    switch (schema.type) {
      case "object":
        return this.object(schema, chaos, depth);
      case "array": {
        const min = schema.minItems ?? 0;
        const max = Math.min(schema.maxItems ?? min + 3, min + 3);
        const items = depth > 6 ? fc.constant(1) : this.value(schema.items ?? {}, chaos, depth + 1);
        const array = fc.array(items, { minLength: min, maxLength: max });
        if (!chaos) return array;
        const overlong =
          schema.maxItems !== undefined && schema.maxItems <= 2048
            ? [fc.array(fc.constant(1), { minLength: schema.maxItems + 1, maxLength: schema.maxItems + 1 })]
            : [];
        return fc.oneof({ weight: 8, arbitrary: array }, fc.constant([]), ...overlong);
      }
      case "string": {
        const min = schema.minLength ?? 0;
        const max = Math.max(min, Math.min(schema.maxLength ?? 24, 24));
        const text = schema.pattern
          ? fc.stringMatching(new RegExp(schema.pattern))
          : fc.oneof(
              fc.string({ unit: "grapheme-ascii", minLength: Math.max(min, 1), maxLength: Math.max(max, 1) }),
              fc.string({ unit: "grapheme", minLength: Math.max(min, 1), maxLength: Math.max(max, 1) }),
            );
        // Still valid strings, with the characters that break headers, logs and encoders.
        const awkward = schema.pattern
          ? []
          : [
              fc.string({
                unit: fc.constantFrom(...AWKWARD_CHARACTERS),
                minLength: Math.max(min, 1),
                maxLength: Math.max(max, 1),
              }),
            ];
        if (!chaos) return fc.oneof({ weight: 4, arbitrary: text }, ...example, ...awkward);
        const tooLong =
          schema.maxLength !== undefined && schema.maxLength < 100_000
            ? [fc.constant("x".repeat(schema.maxLength + 1))]
            : [];
        return fc.oneof({ weight: 6, arbitrary: text }, ...example, weirdString, ...tooLong);
      }
      case "integer":
      case "number": {
        const lo = schema.minimum ?? -1_000_000;
        const hi = schema.maximum ?? 1_000_000;
        const valid =
          schema.type === "integer"
            ? fc.integer({
                min: Math.max(Math.ceil(lo) + (schema.exclusiveMinimum ? 1 : 0), Number.MIN_SAFE_INTEGER),
                max: Math.min(Math.floor(hi), Number.MAX_SAFE_INTEGER),
              })
            : fc.double({
                min: lo,
                max: hi,
                minExcluded: schema.exclusiveMinimum ?? false,
                noNaN: true,
                noDefaultInfinity: true,
              });
        if (!chaos) return fc.oneof(valid, ...example);
        const edges = [lo - 1, hi + 1, lo, hi, (lo + hi) / 2 + 0.5].filter(Number.isFinite);
        return fc.oneof({ weight: 6, arbitrary: valid }, fc.constantFrom(...edges), weirdNumber);
      }
      case "boolean":
        return chaos ? fc.oneof({ weight: 6, arbitrary: fc.boolean() }, fc.constantFrom("true", 0, 1)) : fc.boolean();
      default:
        // `{}`: anything at all (response_format, tool parameters).
        return fc.jsonValue({ maxDepth: 3 });
    }
  }

  private object(schema: Schema, chaos: boolean, depth: number): fc.Arbitrary<unknown> {
    const properties = schema.properties ?? {};
    const names = Object.keys(properties);
    if (names.length === 0) {
      return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
    }
    if (depth > 8) return fc.constant({});
    const required = schema.required ?? [];
    const model = Object.fromEntries(names.map((n) => [n, this.value(properties[n] as Schema, chaos, depth + 1, n)]));
    const requiredKeys = required.filter((n) => n in model);
    const optional = names.filter((n) => !requiredKeys.includes(n));
    const record = fc.record(model, { requiredKeys });
    // Valid calls need few options: the required fields and at most two others, or any of them.
    const lean = fc
      .subarray(optional, { maxLength: Math.min(2, optional.length) })
      .chain((picked) =>
        fc.record(Object.fromEntries([...requiredKeys, ...picked].map((n) => [n, model[n] as fc.Arbitrary<unknown>]))),
      );
    if (!chaos) return fc.oneof({ weight: 3, arbitrary: lean }, record);
    const missing = fc.record(model, { requiredKeys: [] });
    const extra = fc
      .tuple(
        record,
        fc.dictionary(fc.oneof(weirdString, fc.constantFrom("__proto__", "constructor", "toString")), wrongValue, {
          maxKeys: 3,
        }),
      )
      .map(([value, junk]) => {
        const out: Record<string, unknown> = { ...(value as object) };
        for (const [k, v] of Object.entries(junk))
          Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        return out;
      });
    return fc.oneof({ weight: 4, arbitrary: lean }, { weight: 2, arbitrary: record }, missing, extra);
  }
}

type Body =
  | { kind: "none" }
  | { kind: "json"; value: unknown }
  | { kind: "raw"; text: string }
  | { kind: "bytes"; bytes: number[] }
  | { kind: "big"; size: number; value: unknown }
  | { kind: "signed"; value: unknown };

interface Plan {
  op: Operation;
  method: string;
  /** The path, `$SACRIFICE` standing for the id of a key made just before the request. */
  path: string;
  query: string;
  headers: Record<string, string>;
  body: Body;
  /** Sent twice at once. */
  twice: boolean;
  /** Through the gateway with CORS_ORIGINS set (the Worker's own bindings leave it unset). */
  cors: boolean;
}

const INVALID_JSON = [
  "{",
  '{"model":',
  "[1,2",
  "nul",
  '"just a string"',
  "[]",
  "123",
  "null",
  '{"a":1}{"b":2}',
  '{"model": NaN}',
  '{"credits": 1e999999}',
  '{"model":"a","model":1}',
  '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
  "\uFEFF{}",
  "{}garbage",
  "\u0000",
  " ",
  "{'single':'quotes'}",
  '{"messages":[{"role":"user","content":"\\ud800"}]}',
];

const GARBAGE_IDS = [
  "..",
  "%2e%2e",
  "..%2F..%2Fadmin",
  "%2F",
  "%00",
  "%ZZ",
  "%E0%A4%A",
  "%ED%A0%80",
  "%C0%AF",
  "ключ",
  "🙂",
  "x".repeat(300),
  "%20",
  "key_%uD800",
  ";",
  "a,b",
  "%3Cscript%3E",
  "null",
  "0",
  "-1",
  "rapidapi:fuzz",
  "key_00000000000000000000000000000000",
];

const ORIGINS = ["https://app.example.com", "https://evil.example", "null", "http://localhost:5173", "file://", "%ZZ"];
const CORS = { CORS_ORIGINS: "https://app.example.com, http://localhost:5173" };
const REQUEST_IDS = ["req_fuzz_1", "req_fuzz_2", "fuzz-collide", "a".repeat(128), "a".repeat(129), "bad id!", "../x"];
const IDEMPOTENCY_KEYS = ["fuzz-1", "fuzz-2", "idem-collide"];
const STRIPE_TYPES = [
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "charge.refunded",
  "charge.dispute.created",
  "charge.dispute.closed",
  "customer.created",
  "",
];

/** A date `from`..`to` days from today, as YYYY-MM-DD. */
const day = (from: number, to: number) =>
  fc
    .integer({ min: from, max: to })
    .map((offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10));

function arbitraries(world: World, schemas: Record<string, Schema>) {
  const accountIds = fc.constantFrom(
    world.main.account_id,
    world.other.account_id,
    "rapidapi:fuzz-user",
    "acct_does_not_exist",
  );
  const apiKeys = fc.constantFrom(world.main.key, world.other.key, world.revoked.key, "sk-not-a-key");
  const idsOfKind = (kinds: string[], bare = false) => {
    const ids = world.models
      .filter((m) => kinds.includes(m.kind))
      .map((m) => (bare ? m.id.split("/").slice(1).join("/") : m.id));
    return ids.length > 0 ? fc.constantFrom(...ids) : fc.constant("none");
  };
  const anyModel = fc.constantFrom(...world.models.map((m) => m.id));

  const generator = (path: string) => {
    const kind = path.includes("/chat")
      ? ["chat"]
      : path.includes("/images")
        ? ["image"]
        : path.includes("/music")
          ? ["music"]
          : path.includes("/audio")
            ? ["speech"]
            : [];
    const model =
      path === "/v1/chat"
        ? fc.oneof(idsOfKind(kind, true), idsOfKind(kind))
        : fc.oneof({ weight: 6, arbitrary: idsOfKind(kind) }, { weight: 1, arbitrary: anyModel });
    const hints: Record<string, fc.Arbitrary<unknown>> = {
      model,
      voice: fc.constantFrom("alloy", "nova", ...world.voices),
      accountId: accountIds,
      account_id: accountIds,
      apiKey: apiKeys,
      user: fc.constantFrom("fuzz-user", "fuzz-other", "nobody", "end\r\nuser", "ünïcödé"),
      content: fc.constantFrom("Hello!", "Say hi in one word.", "¿Qué tal? 🙂"),
      prompt: fc.constantFrom("A red cube on a table", "Calm lo-fi beat with soft piano"),
      input: fc.constantFrom("Hello there.", "Bonjour à tous !"),
      credits: path.startsWith("/admin") ? fc.integer({ min: 1, max: 1000 }) : fc.integer({ min: 100, max: 5000 }),
      duration: fc.integer({ min: 1, max: 30 }),
      size: fc.constantFrom("1024x1024", "1536x1024", "1024x1536", "auto", "2048x1152", "3840x2160"),
      messages: fc.array(
        fc.record({
          role: fc.constantFrom("user", "system", "developer"),
          content: fc.constantFrom("Say hi", "¿Qué tal? 🙂"),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      from: day(-40, 0),
      to: day(-5, 5),
    };
    return new Generator(schemas, hints);
  };

  /** Valid bodies whose fields depend on each other (a model and its provider or voice; one of two ids). */
  const CURATED: Record<string, fc.Arbitrary<unknown>> = {
    "/v1/chat/completions": fc.record(
      {
        model: idsOfKind(["chat"]),
        messages: fc.constant([{ role: "user", content: "Say hi" }]),
        stream: fc.boolean(),
        max_tokens: fc.integer({ min: 1, max: 64 }),
      },
      { requiredKeys: ["model", "messages"] },
    ),
    "/v1/chat": fc.tuple(idsOfKind(["chat"]), fc.boolean()).map(([id, stream]) => {
      const [provider, ...rest] = id.split("/");
      return { provider, model: rest.join("/"), messages: [{ role: "user", content: "Say hi" }], stream };
    }),
    "/v1/audio/speech": idsOfKind(["speech"]).chain((model) =>
      fc.record({
        model: fc.constant(model),
        input: fc.constantFrom("Hello there.", "Bonjour à tous !"),
        voice:
          model.startsWith("elevenlabs/") && world.voices.length > 0
            ? fc.constantFrom(...world.voices)
            : fc.constantFrom("alloy", "nova"),
      }),
    ),
    "/admin/add-credits": fc.oneof(
      fc.record({ accountId: accountIds, credits: fc.integer({ min: 1, max: 1000 }) }),
      fc.record({ apiKey: apiKeys, credits: fc.integer({ min: 1, max: 1000 }) }),
    ),
  };

  // Mostly well-formed events (so the handlers past the shape check are reached), with odd amounts,
  // reused ids and intents, and now and then a field of the wrong type.
  const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: valid }, wrongValue);
  const cents = mostly(
    fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 2_000_000 }) },
      fc.constantFrom(0, 1, 49, Number.MAX_SAFE_INTEGER, 1e15),
    ),
  );
  const stripeEvent = fc
    .record({
      type: fc.constantFrom(...STRIPE_TYPES),
      id: fc.oneof(
        fc.constantFrom("evt_fuzz_1", "evt_fuzz_2", "evt_fuzz_3"),
        fc.uuid().map((u) => `evt_${u}`),
      ),
      object: fc.record(
        {
          id: mostly(fc.constantFrom("cs_fuzz_1", "cs_fuzz_2", "ch_fuzz_1", "dp_fuzz_1")),
          object: fc.constantFrom("checkout.session", "charge", "dispute", "unknown"),
          mode: fc.constantFrom("payment", "subscription"),
          payment_status: fc.constantFrom("paid", "unpaid", "no_payment_required"),
          status: fc.constantFrom("complete", "open", "won", "lost", "warning_closed", "needs_response"),
          client_reference_id: fc.oneof(accountIds, fc.constant(null)),
          metadata: mostly(
            fc.record(
              {
                account_id: fc.oneof({ weight: 4, arbitrary: accountIds }, weirdString),
                credits: fc.oneof(
                  { weight: 4, arbitrary: fc.constantFrom("100", "5000", "1000000") },
                  fc.constantFrom("0", "99", "1000001", "-5", "1e9", "abc", "1.5", "0100"),
                ),
              },
              { requiredKeys: [] },
            ),
          ),
          payment_intent: mostly(fc.oneof(fc.constantFrom("pi_fuzz_1", "pi_fuzz_2"), fc.constant({ id: "pi_fuzz_1" }))),
          charge: fc.constantFrom("ch_fuzz_1", "ch_fuzz_2"),
          amount: cents,
          amount_total: cents,
          amount_refunded: cents,
          currency: fc.constantFrom("usd", "usd", "eur", ""),
        },
        { requiredKeys: ["id", "amount", "amount_refunded", "amount_total", "currency", "metadata", "status"] },
      ),
    })
    .map(({ type, id, object }) => event(type, object as Record<string, unknown>, id));

  const keyAuth = (key: string) => fc.constantFrom(bearer(key), { "x-api-key": key });
  const auth: fc.Arbitrary<Record<string, string>> = fc.oneof(
    { weight: 20, arbitrary: keyAuth(world.main.key) },
    { weight: 1, arbitrary: keyAuth(world.other.key) },
    { weight: 1, arbitrary: keyAuth(world.revoked.key) },
    { weight: 1, arbitrary: headerGarbage.map((g) => ({ authorization: `Bearer ${g}` })) },
    { weight: 1, arbitrary: headerGarbage.map((g) => ({ authorization: g })) },
    { weight: 1, arbitrary: headerGarbage.map((g) => ({ "x-api-key": g })) },
    { weight: 1, arbitrary: fc.constant({ authorization: `Bearer ${"k".repeat(20_000)}` }) },
    { weight: 1, arbitrary: fc.constant({}) },
    {
      weight: 4,
      arbitrary: fc.record(
        {
          "x-rapidapi-proxy-secret": fc.oneof({ weight: 4, arbitrary: fc.constant(RAPIDAPI_SECRET) }, headerGarbage),
          "x-rapidapi-user": fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom("fuzz-user", "fuzz-other") },
            headerGarbage,
          ),
          "x-rapidapi-subscription": fc.oneof(fc.constantFrom("BASIC", "PRO", "ULTRA", "MEGA"), headerGarbage),
        },
        { requiredKeys: ["x-rapidapi-proxy-secret"] },
      ),
    },
  );
  const adminSecret = (isAdmin: boolean): fc.Arbitrary<Record<string, string>> =>
    fc.oneof(
      { weight: isAdmin ? 12 : 1, arbitrary: fc.constant({ "x-admin-secret": ADMIN_SECRET }) },
      { weight: 1, arbitrary: headerGarbage.map((g) => ({ "x-admin-secret": g })) },
      { weight: 1, arbitrary: fc.constant({ "x-admin-secret": `${ADMIN_SECRET}x` }) },
      { weight: isAdmin ? 1 : 10, arbitrary: fc.constant({}) },
    );
  const optionalHeader = (name: string, values: fc.Arbitrary<string>, weightAbsent = 4) =>
    fc.oneof(
      { weight: weightAbsent, arbitrary: fc.constant({}) },
      values.map((v) => ({ [name]: v })),
    );
  const contentType = fc.oneof(
    { weight: 14, arbitrary: fc.constant({ "content-type": "application/json" }) },
    { weight: 2, arbitrary: fc.constant({ "content-type": "application/json; charset=utf-8" }) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=xyz",
          "application/json; charset=latin1",
          "application/jsonx",
          "APPLICATION/JSON",
          "application/vnd.api+json",
          "*/*",
        )
        .map((v) => ({ "content-type": v })),
    },
    { weight: 1, arbitrary: headerGarbage.map((v) => ({ "content-type": v })) },
    { weight: 1, arbitrary: fc.constant({}) },
  );

  const headers = (op: Operation) =>
    fc
      .tuple(
        op.path.startsWith("/admin") ? fc.constant({}) : fc.oneof({ weight: 10, arbitrary: auth }, fc.constant({})),
        adminSecret(op.path.startsWith("/admin")),
        contentType,
        optionalHeader(
          "accept",
          fc.oneof(fc.constantFrom("text/event-stream", "*/*", "application/json", "audio/*"), headerGarbage),
        ),
        optionalHeader("idempotency-key", fc.oneof(fc.constantFrom(...IDEMPOTENCY_KEYS), headerGarbage)),
        optionalHeader("x-request-id", fc.oneof(fc.constantFrom(...REQUEST_IDS), headerGarbage)),
        optionalHeader("origin", fc.constantFrom(...ORIGINS), 3),
        optionalHeader("access-control-request-method", fc.constantFrom("POST", "GET", "PUT", ""), 6),
        optionalHeader(
          "access-control-request-headers",
          fc.oneof(
            fc.constantFrom("authorization, content-type", "x-admin-secret", "X-Stainless-Os,,", ""),
            headerGarbage,
          ),
          6,
        ),
        optionalHeader("stripe-signature", headerGarbage, op.path.startsWith("/webhooks") ? 1 : 10),
      )
      .map((parts) => Object.assign({}, ...parts) as Record<string, string>);

  /** A path parameter: ids that exist (a key made just before, an account), ids of others, and garbage. */
  const pathParam = (op: Operation): fc.Arbitrary<string> => {
    const garbage = fc.oneof(
      fc.constantFrom(...GARBAGE_IDS),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).map(encodeURIComponent),
    );
    if (op.path.startsWith("/v1/keys")) {
      return fc.oneof(
        { weight: 6, arbitrary: fc.constant("$SACRIFICE") },
        { weight: 1, arbitrary: fc.constantFrom(world.revoked.key_id, world.other.key_id) },
        { weight: 2, arbitrary: garbage },
      );
    }
    if (op.path.startsWith("/v1/models")) {
      return fc.oneof(
        { weight: 3, arbitrary: anyModel },
        { weight: 2, arbitrary: anyModel.map(encodeURIComponent) },
        { weight: 1, arbitrary: anyModel.map((id) => `${id}/extra`) },
        { weight: 2, arbitrary: garbage },
      );
    }
    if (op.path.startsWith("/admin/accounts")) {
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom(world.main.account_id, world.other.account_id).map(encodeURIComponent),
        },
        { weight: 1, arbitrary: fc.constant("rapidapi%3Afuzz-user") },
        { weight: 2, arbitrary: garbage },
      );
    }
    return garbage;
  };

  const pathOf = (op: Operation): fc.Arbitrary<string> => {
    const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
    const filled = fc.tuple(...names.map(() => pathParam(op))).map((values) => {
      let path = op.path;
      names.forEach((n, i) => {
        path = path.replace(`{${n}}`, values[i] as string);
      });
      return path;
    });
    return fc
      .tuple(
        filled,
        fc.oneof(
          { weight: 14, arbitrary: fc.constant("none") },
          fc.constantFrom("trailing-slash", "double-slash", "dot-segment", "long-segment", "upper", "encoded-slash"),
        ),
      )
      .map(([path, mutation]) => {
        switch (mutation) {
          case "trailing-slash":
            return `${path}/`;
          case "double-slash":
            return path.replace("/", "//");
          case "dot-segment":
            return `${path}/./`;
          case "long-segment":
            return `${path}/${"s".repeat(4000)}`;
          case "upper":
            return path.toUpperCase();
          case "encoded-slash":
            return path.lastIndexOf("/") > 0 ? path.replace(/\/(?=[^/]*$)/, "%2F") : path;
          default:
            return path;
        }
      });
  };

  const queryOf = (op: Operation, gen: Generator): fc.Arbitrary<string> => {
    const params = (op.op.parameters ?? []).filter((p) => p.in === "query");
    const values = (chaos: boolean) =>
      fc.tuple(
        ...params.map((p) =>
          p.required && !chaos
            ? gen.value(p.schema, false, 0, p.name)
            : fc.option(gen.value(p.schema, chaos, 0, p.name), { nil: undefined }),
        ),
      );
    return fc
      .tuple(
        fc.oneof({ weight: 3, arbitrary: values(false) }, values(true)),
        fc.oneof(
          { weight: 8, arbitrary: fc.constant("") },
          fc.constantFrom(
            "&limit=1&limit=2",
            "&%ZZ=1",
            "&=&&",
            "&x=%E0%A4%A",
            "&cursor=../",
            `&junk=${"q".repeat(3000)}`,
          ),
        ),
      )
      .map(([values, junk]) => {
        const search = new URLSearchParams();
        params.forEach((p, i) => {
          const v = values[i];
          if (v !== undefined) search.set(p.name, typeof v === "string" ? v : JSON.stringify(v));
        });
        const text = `${search.toString()}${junk}`;
        return text === "" ? "" : `?${text.replace(/^&/, "")}`;
      });
  };

  const bodyOf = (op: Operation, gen: Generator): fc.Arbitrary<Body> => {
    const schema = op.op.requestBody?.content["application/json"]?.schema;
    const raw = fc.oneof(fc.constantFrom(...INVALID_JSON), weirdString).map((text): Body => ({ kind: "raw", text }));
    const bytes = fc
      .constantFrom([0xff, 0xfe, 0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x7b, 0x22, 0xff, 0x22, 0x7d])
      .map((b): Body => ({ kind: "bytes", bytes: [...b] }));
    const none = fc.constant<Body>({ kind: "none" });
    if (op.path === "/webhooks/stripe") {
      return fc.oneof(
        { weight: 6, arbitrary: stripeEvent.map((value): Body => ({ kind: "signed", value })) },
        { weight: 2, arbitrary: stripeEvent.map((value): Body => ({ kind: "json", value })) },
        raw,
        none,
      );
    }
    if (!schema) {
      return fc.oneof(
        { weight: 8, arbitrary: none },
        raw,
        fc.jsonValue({ maxDepth: 2 }).map((value): Body => ({ kind: "json", value })),
      );
    }
    const curated = CURATED[op.path];
    const valid = curated ? fc.oneof(curated, gen.value(schema, false)) : gen.value(schema, false);
    return fc.oneof(
      { weight: 8, arbitrary: valid.map((value): Body => ({ kind: "json", value })) },
      { weight: 6, arbitrary: gen.value(schema, true).map((value): Body => ({ kind: "json", value })) },
      { weight: 1, arbitrary: wrongValue.map((value): Body => ({ kind: "json", value })) },
      { weight: 1, arbitrary: raw },
      { weight: 1, arbitrary: bytes },
      { weight: 1, arbitrary: none },
      {
        weight: 1,
        arbitrary: fc
          .tuple(valid, fc.constantFrom(-2, -1, 0, 1, 2))
          .map(([value, delta]): Body => ({ kind: "big", size: world.maxBodyBytes + delta, value })),
      },
    );
  };

  const methodOf = (op: Operation) =>
    fc.oneof(
      { weight: 20, arbitrary: fc.constant(op.method) },
      fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"),
    );

  return (op: Operation): fc.Arbitrary<Plan> => {
    const gen = generator(op.path);
    return fc
      .record({
        method: methodOf(op),
        path: pathOf(op),
        query: queryOf(op, gen),
        headers: headers(op),
        body: bodyOf(op, gen),
        twice: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, fc.constant(true)),
        cors: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true)),
      })
      .map((plan) => ({ op, ...plan }));
  };
}

// ---------------------------------------------------------------------------------------------
// Sending and checking

let streams = 0;

async function encodeBody(body: Body): Promise<{ data?: BodyInit; headers: Record<string, string> }> {
  switch (body.kind) {
    case "none":
      return { headers: {} };
    case "raw":
      return { data: body.text, headers: {} };
    case "bytes":
      return { data: new Uint8Array(body.bytes), headers: {} };
    case "json": {
      let value = body.value;
      if (value && typeof value === "object" && (value as { stream?: unknown }).stream === true) {
        if (++streams > MAX_STREAMS) value = { ...(value as object), stream: false };
      }
      const text = JSON.stringify(value);
      return { data: text === undefined ? "" : text, headers: {} };
    }
    case "big": {
      const base = JSON.stringify({ ...(body.value as object), pad: "" });
      const pad = Math.max(0, body.size - new TextEncoder().encode(base).byteLength);
      return { data: base.replace('"pad":""', `"pad":"${"p".repeat(pad)}"`), headers: {} };
    }
    case "signed": {
      const text = JSON.stringify(body.value);
      return { data: text, headers: { "stripe-signature": await signature(text) } };
    }
  }
}

type Sent = { method: string; url: string; headers: Record<string, string>; body: string };
type Answer = { status: number; headers: Headers; bytes: Uint8Array; text: string };

function describeExchange(sent: Sent, answer: Answer): string {
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
  const headers = Object.fromEntries(Object.entries(sent.headers).map(([k, v]) => [k, clip(v, 80)]));
  return [
    `${sent.method} ${clip(sent.url, 300)}`,
    `headers: ${JSON.stringify(headers)}`,
    `body: ${clip(sent.body, 400)}`,
    `→ ${answer.status} ${JSON.stringify(Object.fromEntries(answer.headers))}`,
    clip(answer.text, 800),
  ].join("\n");
}

/** Bodies of these answers carry the key they just made (and only there may it appear). */
function freshKeyOf(sent: Sent, answer: Answer): string | undefined {
  if (answer.status >= 300 || sent.method !== "POST") return undefined;
  const path = new URL(sent.url).pathname;
  if (!/^\/v1\/keys\/?$|^\/v1\/keys\/[^/]+\/rotate\/?$|^\/admin\/accounts(\/[^/]+\/keys)?\/?$/.test(path))
    return undefined;
  const body = JSON.parse(answer.text) as { key?: string | { key?: string } };
  return typeof body.key === "string" ? body.key : body.key?.key;
}

const STACK = [/\n\s+at \S/, /\.ts:\d+/, /\.js:\d+:\d+/, /node_modules/];
const ENVELOPE_KEYS = new Set(["message", "type", "code", "param", "request_id"]);

function check(world: World, sent: Sent, answer: Answer): void {
  const where = describeExchange(sent, answer);
  expect(answer.status, where).toBeLessThan(500);
  expect(answer.status, where).toBeGreaterThanOrEqual(200);
  expect(answer.headers.get("x-request-id"), `every answer names its request\n${where}`).toMatch(/^\S+$/);

  // No secret, in the body or any header.
  const fresh = freshKeyOf(sent, answer);
  if (fresh !== undefined) {
    expect(world.keys.has(fresh), `a made key is new\n${where}`).toBe(false);
    world.keys.add(fresh);
  }
  const text = fresh === undefined ? answer.text : answer.text.replaceAll(fresh, "<made key>");
  const headerText = [...answer.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
  for (const [name, value] of world.secrets) {
    expect(text.includes(value), `${name} in the body\n${where}`).toBe(false);
    expect(headerText.includes(value), `${name} in a header\n${where}`).toBe(false);
  }
  for (const key of world.keys) {
    if (key === fresh) continue;
    expect(text.includes(key), `an API key in the body\n${where}`).toBe(false);
    expect(headerText.includes(key), `an API key in a header\n${where}`).toBe(false);
  }
  const contentType = answer.headers.get("content-type") ?? "";
  const media = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const binary = media.startsWith("audio/") || media === "application/octet-stream";
  if (!binary) for (const pattern of STACK) expect(pattern.test(answer.text), `a stack trace\n${where}`).toBe(false);

  if (sent.method === "HEAD") {
    expect(answer.bytes.byteLength, where).toBe(0);
    return;
  }

  if (answer.status >= 300) {
    // The one error envelope.
    expect(media, where).toBe("application/json");
    let body: { error?: Record<string, unknown> } = {};
    expect(() => {
      body = JSON.parse(answer.text);
    }, `an error answer that is not JSON\n${where}`).not.toThrow();
    expect(Object.keys(body), where).toEqual(["error"]);
    const error = body.error as Record<string, unknown>;
    for (const k of Object.keys(error)) expect(ENVELOPE_KEYS.has(k), `unexpected error.${k}\n${where}`).toBe(true);
    const code = error.code as keyof typeof ERROR_TABLE;
    expect(Object.keys(ERROR_TABLE), where).toContain(code);
    expect(answer.status, where).toBe(ERROR_TABLE[code].status);
    expect(error.type, where).toBe(ERROR_TABLE[code].type);
    expect(typeof error.message, where).toBe("string");
    expect((error.message as string).length, where).toBeGreaterThan(0);
    if ("param" in error) expect(typeof error.param, where).toBe("string");
    expect(typeof error.request_id, where).toBe("string");
    expect(answer.headers.get("x-request-id"), where).toBe(error.request_id);
    return;
  }

  // A 2xx: OPTIONS is a CORS preflight, with no document entry; anything else is documented.
  if (sent.method === "OPTIONS") return;
  const served = documentedOperation(world.operations, sent);
  expect(served, `a 2xx from no documented operation\n${where}`).toBeDefined();
  const documented = served?.op.responses[String(answer.status)]?.content ?? {};
  expect(Object.keys(documented), `undocumented status\n${where}`).toContain(media);
  if (media === "application/json") {
    expect(() => JSON.parse(answer.text), where).not.toThrow();
  } else if (media === "text/event-stream") {
    const lines = answer.text.split(/\r?\n/).filter((l) => l !== "");
    expect(lines.length, where).toBeGreaterThan(0);
    for (const line of lines) expect(line, where).toMatch(/^(data|event|id|retry):|^:/);
    for (const line of lines.filter((l) => l.startsWith("data:"))) {
      const data = line.slice(5).trim();
      if (data !== "[DONE]") expect(() => JSON.parse(data), where).not.toThrow();
    }
  } else {
    expect(answer.bytes.byteLength, where).toBeGreaterThan(0);
  }
}

/** The operation a request reached: its method, and its path against the templates (an id may hold a slash). */
function documentedOperation(operations: Operation[], sent: Sent): Operation | undefined {
  const path = new URL(sent.url).pathname.replace(/(.)\/$/, "$1");
  return operations.find((op) => {
    const source = op.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^?#]+");
    return op.method === sent.method && new RegExp(`^${source}$`).test(path);
  });
}

async function sacrifice(world: World): Promise<string> {
  const res = await gw("/v1/keys", {
    method: "POST",
    headers: { ...bearer(world.main.key), "content-type": "application/json" },
    body: JSON.stringify({ name: "fuzz-sacrifice" }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const body = (await res.json()) as { id: string; key: string };
  world.keys.add(body.key);
  return body.id;
}

const visits = new Map<string, number>();

async function send(world: World, plan: Plan): Promise<void> {
  visits.set(plan.op.key, (visits.get(plan.op.key) ?? 0) + 1);
  const path = plan.path.includes("$SACRIFICE") ? plan.path.replace("$SACRIFICE", await sacrifice(world)) : plan.path;
  const withBody = plan.method !== "GET" && plan.method !== "HEAD";
  const encoded = withBody ? await encodeBody(plan.body) : { headers: {} };
  const headers = { ...plan.headers, ...encoded.headers };
  const sent: Sent = {
    method: plan.method,
    url: `http://gateway.test${path}${plan.query}`,
    headers,
    body: typeof encoded.data === "string" ? encoded.data : encoded.data === undefined ? "" : "<bytes>",
  };
  const exchange = async (): Promise<Answer | undefined> => {
    let res: Response;
    try {
      const init = { method: plan.method, headers, ...(encoded.data === undefined ? {} : { body: encoded.data }) };
      res = await (plan.cors ? gwWith(CORS, path + plan.query, init) : gw(path + plan.query, init));
    } catch (error) {
      // The client itself refuses some requests (TRACE); nothing reached the gateway.
      if (error instanceof TypeError && plan.method === "TRACE") return undefined;
      throw new Error(`the request could not be sent: ${sent.method} ${sent.url}`, { cause: error });
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, bytes, text: new TextDecoder().decode(bytes) };
  };
  const started = Date.now();
  // A client that retries before the first answer: the same request twice at once.
  const answers = plan.twice ? await Promise.all([exchange(), exchange()]) : [await exchange()];
  for (const answer of answers) {
    if (!answer) continue;
    check(world, sent, answer);
    record(plan.op.key, answer, Date.now() - started);
  }
}

/** What each operation answered, printed at the end (shown only when the test fails). */
function record(key: string, answer: Answer, ms: number): void {
  const stat = timing.get(key) ?? { n: 0, ms: 0, statuses: {} };
  stat.n++;
  stat.ms += ms;
  const code =
    answer.status < 300
      ? String(answer.status)
      : `${answer.status}:${(JSON.parse(answer.text || "{}") as { error?: { code?: string } }).error?.code ?? "(no body)"}`;
  stat.statuses[code] = (stat.statuses[code] ?? 0) + 1;
  timing.set(key, stat);
}
const timing = new Map<string, { n: number; ms: number; statuses: Record<string, number> }>();

// ---------------------------------------------------------------------------------------------

describe("fuzz: every operation of both OpenAPI documents", () => {
  let operations: Operation[] = [];
  let world: World;
  let schemas: Record<string, Schema> = {};

  beforeAll(async () => {
    const publicDoc = (await (await gw("/openapi.json")).json()) as Document;
    const adminRes = await gw("/admin/openapi.json", { headers: { "x-admin-secret": ADMIN_SECRET } });
    expect(adminRes.status).toBe(200);
    const adminDoc = (await adminRes.json()) as Document;
    operations = operationsOf([publicDoc, adminDoc]);
    schemas = { ...publicDoc.components.schemas, ...adminDoc.components.schemas };

    const main = await newAccount();
    const other = await newAccount();
    for (const account of [main, other]) {
      expect((await grant({ accountId: account.account_id }, 100_000_000)).status).toBe(200);
    }
    const made = await gw("/v1/keys", {
      method: "POST",
      headers: { ...bearer(main.key), "content-type": "application/json" },
      body: JSON.stringify({ name: "fuzz-revoked" }),
    });
    const revoked = (await made.json()) as { id: string; key: string };
    expect((await gw(`/v1/keys/${revoked.id}`, { method: "DELETE", headers: bearer(main.key) })).status).toBe(200);
    const models = ((await (await gw("/v1/models", { headers: bearer(main.key) })).json()) as { data: Model[] }).data;
    const elevenlabs = models.find((m) => m.kind === "speech" && m.id.startsWith("elevenlabs/"));
    const voicesRes = await gw(`/v1/audio/voices?model=${encodeURIComponent(elevenlabs?.id ?? "")}`, {
      headers: bearer(main.key),
    });
    const voices = voicesRes.ok ? ((await voicesRes.json()) as { data: { id: string }[] }).data.map((v) => v.id) : [];
    const bindings = env as unknown as Record<string, unknown>;
    const secrets = SECRET_VARS.flatMap((name): [string, string][] => {
      const value = bindings[name];
      return typeof value === "string" && value.trim() !== "" ? [[name, value]] : [];
    });
    world = {
      main: { account_id: main.account_id, key: main.key, key_id: main.key_id },
      other: { account_id: other.account_id, key: other.key, key_id: other.key_id },
      revoked: { key: revoked.key, key_id: revoked.id },
      models,
      voices,
      secrets,
      keys: new Set([main.key, other.key, revoked.key]),
      maxBodyBytes: Number(bindings.MAX_BODY_BYTES ?? 1_048_576),
      operations,
    };
  });

  it("reads every operation of both documents, with the secrets configured to look for", () => {
    const keys = operations.map((op) => op.key);
    expect(keys).toContain("POST /v1/chat/completions");
    expect(keys).toContain("POST /admin/add-credits");
    expect(keys).toContain("POST /webhooks/stripe");
    expect(keys).toContain("DELETE /v1/keys/{id}");
    // Admin secret, RapidAPI secret, every provider key and both Stripe secrets.
    expect(world.secrets.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        "ADMIN_SECRET",
        "RAPIDAPI_SECRET",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "GOOGLE_API_KEY",
        "ELEVENLABS_API_KEY",
        "STABILITY_API_KEY",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
      ]),
    );
    expect(world.models.length).toBeGreaterThan(0);
  });

  it("no 5xx, the one error envelope, no secret, documented 2xx content: for any body, header, path and method", async () => {
    const planFor = arbitraries(world, schemas);
    // One request per operation each run, in document order: every operation is visited every run.
    const runs = fc.tuple(...operations.map((op) => planFor(op)));
    let completed = 0;
    try {
      await fc.assert(
        fc.asyncProperty(runs, async (plans) => {
          for (const plan of plans) await send(world, plan);
          completed++;
        }),
        { numRuns: NUM_RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, ...PARAMETERS },
      );
    } finally {
      // What each operation answered: printed only when the test fails (silent: "passed-only").
      for (const [k, v] of timing) console.log(`${k} ${JSON.stringify(v)}`);
    }
    // The time limit must not leave the property vacuous, and no operation was skipped.
    expect(completed).toBeGreaterThanOrEqual(MIN_RUNS);
    for (const op of operations) expect(visits.get(op.key) ?? 0, op.key).toBeGreaterThanOrEqual(completed);
  }, 90_000);
});
