import { describe, expect, it } from "vitest";
import { fixNullable } from "../../src/lib/openapi-nullable.ts";

describe("fixNullable (OpenAPI 3.0: nullable only beside a type)", () => {
  it("drops the lone marker zod writes for unknown values: a schema without type already admits null", () => {
    expect(fixNullable({ type: "object", additionalProperties: { nullable: true } })).toEqual({
      type: "object",
      additionalProperties: {},
    });
  });

  it("moves a union's null onto its first member with a type", () => {
    const union = { anyOf: [{ $ref: "#/components/schemas/X" }, { type: "string" }, { nullable: true }] };
    expect(fixNullable(union)).toEqual({
      anyOf: [{ $ref: "#/components/schemas/X" }, { type: "string", nullable: true }],
    });
    expect(fixNullable({ oneOf: [{ type: "array", items: {} }], nullable: true, description: "d" })).toEqual({
      oneOf: [{ type: "array", items: {}, nullable: true }],
      description: "d",
    });
  });

  it("leaves examples alone, but walks a property that happens to be named example", () => {
    const schema = {
      type: "object",
      properties: { example: { anyOf: [{ type: "number" }, { nullable: true }] } },
      example: { anything: { nullable: true } },
    };
    expect(fixNullable(schema)).toEqual({
      type: "object",
      properties: { example: { anyOf: [{ type: "number", nullable: true }] } },
      example: { anything: { nullable: true } },
    });
  });

  it("keeps a nullable that already has its type", () => {
    const schema = { type: "string", nullable: true };
    expect(fixNullable(schema)).toEqual(schema);
  });
});
