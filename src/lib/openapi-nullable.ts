/**
 * zod-openapi writes OpenAPI 3.0 `nullable` where 3.0 gives it no meaning: `{nullable: true}`
 * alone for `z.unknown()` (a schema with no `type` already admits null) and as a member of
 * `anyOf` for a nullable union. 3.0.3 only honours `nullable` beside a `type`, and linters
 * (Redocly's `nullable-type-sibling`) reject the rest, so the document is rewritten:
 * the lone marker is dropped, and a union's null moves onto a member that has a `type`.
 * The accepted values stay the same.
 */
type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => value !== null && typeof value === "object" && !Array.isArray(value);
const isNullMarker = (value: unknown) => isNode(value) && value.nullable === true && value.type === undefined;
const isBareNullMarker = (value: unknown) => isNullMarker(value) && Object.keys(value as Node).length === 1;

function fixUnion(node: Node, key: "anyOf" | "oneOf"): Node {
  const members = node[key];
  if (!Array.isArray(members)) return node;
  const nullable = members.some(isBareNullMarker) || isNullMarker(node);
  if (!nullable) return node;
  const rest = members.filter((member) => !isBareNullMarker(member));
  const typed = rest.findIndex((member) => isNode(member) && typeof member.type === "string");
  if (typed === -1) return node; // nothing to carry the null: left for the linter to report
  const { nullable: _dropped, ...others } = node;
  const carried = rest.map((member, i) => (i === typed ? { ...(member as Node), nullable: true } : member));
  return { ...others, [key]: carried };
}

/** Examples are values, not schemas: a `nullable` key in one is left alone (a property so named is walked). */
const VALUES = new Set(["example", "examples", "default", "enum"]);

export function fixNullable(value: unknown, parentKey = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => fixNullable(item));
  if (!isNode(value)) return value;
  if (isBareNullMarker(value)) return {};
  const node = parentKey === "properties" ? value : fixUnion(fixUnion(value, "anyOf"), "oneOf");
  return Object.fromEntries(
    Object.entries(node).map(([key, child]) => [
      key,
      VALUES.has(key) && parentKey !== "properties" ? child : fixNullable(child, key),
    ]),
  );
}
