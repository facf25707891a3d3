import type { GeminiSchema } from "./chat.api-types.ts";

/**
 * JSON Schema (what OpenAI clients send for tool parameters and response formats) to the
 * OpenAPI 3.0 subset Gemini's `Schema` accepts. The kept keys are the ones vercel/ai's
 * convertJSONSchemaToOpenAPISchema sends and Gemini is recorded accepting: type, nullable,
 * description, enum, format, properties, required, items, anyOf, minLength.
 *
 * - Stripped: annotations and constraints Gemini refuses that clients send all the time and
 *   whose loss never changes the shape of a valid value: `$schema`, `additionalProperties`
 *   (Vercel AI SDK, LangChain, MCP), titles, defaults, examples, numeric and length bounds,
 *   patterns, formats Gemini does not know.
 * - Translated: `$ref` into the root's `$defs`/`definitions` (inlined), `const`, type lists and
 *   null branches (→ `nullable`), `oneOf` (→ `anyOf`), a one-schema `allOf`.
 * - Refused (`SchemaNotSupported`): what would change the shape of valid values: recursive or
 *   external `$ref`, several-schema `allOf`, `not`, `if`/`then`/`else`, tuples, mixed enums.
 */
export class SchemaNotSupported extends Error {
  override name = "SchemaNotSupported";
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Inlined references can grow a schema exponentially; this bounds the work and the request. */
const MAX_NODES = 2_000;
const MAX_DEPTH = 48;

const REFUSED = ["not", "if", "then", "else", "prefixItems", "dependentSchemas", "dependencies"];
const TYPES = new Set(["string", "number", "integer", "boolean", "array", "object", "null"]);
type SchemaType = NonNullable<GeminiSchema["type"]>;
const FORMATS: Partial<Record<SchemaType, readonly string[]>> = {
  string: ["enum", "date-time"],
  number: ["float", "double"],
  integer: ["int32", "int64"],
};

interface Context {
  root: Json;
  resolving: Set<string>;
  nodes: number;
}

function merge(base: GeminiSchema, over: GeminiSchema): GeminiSchema {
  const merged: GeminiSchema = { ...base, ...over };
  if (base.properties && over.properties) merged.properties = { ...base.properties, ...over.properties };
  if (base.required && over.required) merged.required = [...new Set([...base.required, ...over.required])];
  return merged;
}

function resolveRef(node: Json, ctx: Context, depth: number): GeminiSchema {
  const { $ref: ref, ...siblings } = node;
  const match = typeof ref === "string" ? /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref) : null;
  const section = match ? ctx.root[match[1] as string] : undefined;
  let name = match?.[2] ?? "";
  try {
    name = decodeURIComponent(name).replace(/~1/g, "/").replace(/~0/g, "~");
  } catch {
    name = "";
  }
  if (!isObject(section) || !Object.hasOwn(section, name)) {
    throw new SchemaNotSupported(`\`$ref\` ${JSON.stringify(ref)} must point into the schema's own $defs`);
  }
  const key = `${match?.[1]}/${name}`;
  if (ctx.resolving.has(key)) throw new SchemaNotSupported(`recursive \`$ref\` ${JSON.stringify(ref)}`);
  ctx.resolving.add(key);
  try {
    const resolved = convert(section[name], ctx, depth + 1);
    return Object.keys(siblings).length > 0 ? merge(resolved, convert(siblings, ctx, depth + 1)) : resolved;
  } finally {
    ctx.resolving.delete(key);
  }
}

function applyTypes(node: Json, out: GeminiSchema): void {
  if (node.type === undefined) return;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  for (const type of types) {
    if (typeof type !== "string" || !TYPES.has(type))
      throw new SchemaNotSupported(`unknown type ${JSON.stringify(type)}`);
  }
  const concrete = (types as SchemaType[]).filter((type) => type !== "null");
  if (concrete.length === 0) out.type = "null";
  else if (concrete.length === 1) out.type = concrete[0];
  else if (node.properties !== undefined || node.items !== undefined) {
    throw new SchemaNotSupported("a list of several types together with properties or items");
  } else out.anyOf = concrete.map((type) => ({ type }));
  if (concrete.length > 0 && types.includes("null")) out.nullable = true;
}

function applyEnum(node: Json, out: GeminiSchema): void {
  const values = Array.isArray(node.enum) ? node.enum : "const" in node ? [node.const] : undefined;
  if (values === undefined) return;
  const others = values.filter((value) => value !== null);
  if (others.length < values.length) {
    if (others.length === 0) {
      out.type = "null";
      return;
    }
    out.nullable = true;
  }
  if (others.length === 0) throw new SchemaNotSupported("an empty enum");
  const declared = out.type;
  if (others.every((value) => typeof value === "string") && (declared === undefined || declared === "string")) {
    out.type = "string";
    out.enum = others as string[];
  } else if (
    others.every((value) => typeof value === "number" && Number.isFinite(value)) &&
    (declared === undefined || declared === "number" || declared === "integer")
  ) {
    if (declared === "integer" && !others.every((value) => Number.isInteger(value))) {
      throw new SchemaNotSupported("an integer enum with fractional values");
    }
    // Gemini's enums are strings; numbers are marked with format "enum" (genai.d.ts Schema.enum).
    out.type = declared ?? "number";
    out.format = "enum";
    out.enum = others.map(String);
  } else if (
    others.every((value) => typeof value === "boolean") &&
    (declared === undefined || declared === "boolean")
  ) {
    out.type = "boolean";
  } else {
    throw new SchemaNotSupported("an enum whose values do not share the schema's one type");
  }
}

function applyUnion(node: Json, out: GeminiSchema, ctx: Context, depth: number): GeminiSchema {
  if (node.anyOf !== undefined && node.oneOf !== undefined) {
    throw new SchemaNotSupported("`anyOf` and `oneOf` together");
  }
  const branches = node.anyOf ?? node.oneOf;
  if (branches === undefined) return out;
  if (!Array.isArray(branches) || branches.length === 0) throw new SchemaNotSupported("an empty `anyOf`/`oneOf`");
  const isNull = (branch: unknown) => isObject(branch) && branch.type === "null" && branch.properties === undefined;
  const kept = branches.filter((branch) => !isNull(branch)).map((branch) => convert(branch, ctx, depth + 1));
  if (kept.length < branches.length) out.nullable = true;
  if (kept.length === 0) return { ...out, type: "null" };
  // One branch left (`T | null`): the branch itself, nullable, with this node's own words.
  if (kept.length === 1) return merge(kept[0] as GeminiSchema, out);
  return { ...out, anyOf: kept };
}

function convert(node: unknown, ctx: Context, depth: number): GeminiSchema {
  ctx.nodes += 1;
  if (ctx.nodes > MAX_NODES || depth > MAX_DEPTH) throw new SchemaNotSupported("the schema is too large or too deep");
  if (node === true) return {};
  if (node === false) throw new SchemaNotSupported("a `false` schema (no value is valid)");
  if (!isObject(node)) throw new SchemaNotSupported("a schema that is not an object");
  if (node.$ref !== undefined) return resolveRef(node, ctx, depth);
  for (const key of REFUSED) {
    if (node[key] !== undefined) throw new SchemaNotSupported(`\`${key}\``);
  }
  if (node.allOf !== undefined) {
    const { allOf, ...rest } = node;
    if (!Array.isArray(allOf) || allOf.length !== 1) {
      throw new SchemaNotSupported("`allOf` with more than one schema");
    }
    return merge(convert(allOf[0], ctx, depth + 1), convert(rest, ctx, depth + 1));
  }

  const out: GeminiSchema = {};
  if (typeof node.description === "string" && node.description !== "") out.description = node.description;
  applyTypes(node, out);
  applyEnum(node, out);
  if (typeof node.format === "string" && out.format === undefined && out.type !== undefined) {
    if (FORMATS[out.type]?.includes(node.format)) out.format = node.format;
  }
  if (node.properties !== undefined) {
    if (!isObject(node.properties)) throw new SchemaNotSupported("`properties` that is not an object");
    const properties = node.properties;
    out.type ??= "object";
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([key, value]) => [key, convert(value, ctx, depth + 1)]),
    );
    if (Array.isArray(node.required)) {
      const required = node.required.filter((key): key is string => typeof key === "string" && key in properties);
      if (required.length > 0) out.required = required;
    }
  }
  if (node.items !== undefined) {
    if (Array.isArray(node.items)) throw new SchemaNotSupported("tuple `items` (a list of schemas)");
    out.type ??= "array";
    out.items = convert(node.items, ctx, depth + 1);
  }
  if (typeof node.minLength === "number" && Number.isInteger(node.minLength) && node.minLength >= 0) {
    out.minLength = node.minLength;
  }
  return applyUnion(node, out, ctx, depth);
}

/** Any JSON Schema (a response format): throws `SchemaNotSupported` with the reason. */
export function convertJsonSchemaToGemini(schema: unknown): GeminiSchema {
  const root = isObject(schema) ? schema : {};
  return convert(schema, { root, resolving: new Set(), nodes: 0 }, 0);
}

/**
 * A function's parameters: an object schema, or nothing. A function without parameters
 * (absent, `{}` or an object with no properties) sends none: Gemini refuses an OBJECT root
 * with no properties.
 */
export function convertToolParameters(parameters: Record<string, unknown> | undefined): GeminiSchema | undefined {
  if (parameters === undefined) return undefined;
  const converted = convertJsonSchemaToGemini(parameters);
  const empty = converted.properties === undefined || Object.keys(converted.properties).length === 0;
  if (converted.type === undefined && converted.anyOf === undefined && empty) return undefined;
  if (converted.type !== "object") throw new SchemaNotSupported("function parameters that are not an object schema");
  return empty ? undefined : converted;
}
