import { describe, expect, it } from "vitest";
import {
  convertJsonSchemaToGemini,
  convertToolParameters,
  SchemaNotSupported,
} from "../../src/providers/google/convert-json-schema-to-gemini.ts";

const refused = (schema: unknown) => () => convertJsonSchemaToGemini(schema);

describe("JSON Schema to Gemini's schema subset", () => {
  it("strips what popular clients always send and Gemini refuses", () => {
    // The Vercel AI SDK / zod-to-json-schema shape; LangChain and Pydantic add titles and defaults.
    expect(
      convertToolParameters({
        $schema: "http://json-schema.org/draft-07/schema#",
        title: "Args",
        type: "object",
        properties: {
          city: { type: "string", title: "City", default: "Paris", pattern: "^[A-Z]", format: "uri", maxLength: 9 },
          days: { type: "integer", minimum: 1, exclusiveMaximum: 15, format: "int32" },
          when: { type: "string", format: "date-time" },
          tags: { type: "array", items: { type: "string" }, minItems: 1, uniqueItems: true },
          meta: { type: "object", additionalProperties: { type: "string" } },
        },
        required: ["city", "ghost"],
        additionalProperties: false,
      }),
    ).toEqual({
      type: "object",
      properties: {
        city: { type: "string" },
        days: { type: "integer", format: "int32" },
        when: { type: "string", format: "date-time" },
        tags: { type: "array", items: { type: "string" } },
        meta: { type: "object" },
      },
      required: ["city"],
    });
  });

  it("inlines $defs references, with sibling words, and translates nullables, const and enums", () => {
    expect(
      convertJsonSchemaToGemini({
        type: "object",
        properties: {
          home: { $ref: "#/$defs/Place", description: "Where I live" },
          work: { anyOf: [{ $ref: "#/definitions/Place" }, { type: "null" }] },
          unit: { enum: ["C", "F", null] },
          kind: { const: "weather" },
          level: { type: "integer", enum: [1, 2, 3] },
          either: { oneOf: [{ type: "string" }, { type: "number" }] },
          maybe: { type: ["boolean", "null"] },
          wrapped: { allOf: [{ $ref: "#/$defs/Place" }], description: "Only one" },
        },
        $defs: { Place: { type: "object", properties: { name: { type: "string" } } } },
        definitions: { Place: { type: "object", properties: { name: { type: "string" } } } },
      }),
    ).toEqual({
      type: "object",
      properties: {
        home: { type: "object", properties: { name: { type: "string" } }, description: "Where I live" },
        work: { type: "object", properties: { name: { type: "string" } }, nullable: true },
        unit: { type: "string", enum: ["C", "F"], nullable: true },
        kind: { type: "string", enum: ["weather"] },
        level: { type: "integer", format: "enum", enum: ["1", "2", "3"] },
        either: { anyOf: [{ type: "string" }, { type: "number" }] },
        maybe: { type: "boolean", nullable: true },
        wrapped: { type: "object", properties: { name: { type: "string" } }, description: "Only one" },
      },
    });
  });

  it("refuses what would change the shape of valid values", () => {
    const defs = { $defs: { Node: { type: "object", properties: { next: { $ref: "#/$defs/Node" } } } } };
    for (const schema of [
      { ...defs, $ref: "#/$defs/Node" },
      { $ref: "#/$defs/Missing" },
      { $ref: "other.json#/Thing" },
      { allOf: [{ type: "object" }, { type: "object" }] },
      { not: { type: "string" } },
      JSON.parse('{"if": {"type": "string"}, "then": {"minLength": 1}}'),
      { type: "array", items: [{ type: "string" }, { type: "number" }] },
      { enum: ["a", 1] },
      { type: "integer", enum: [1.5] },
      { type: "frobnicate" },
      false,
    ]) {
      expect(refused(schema), JSON.stringify(schema)).toThrow(SchemaNotSupported);
    }
  });

  it("bounds the work an exploding chain of references can cause", () => {
    const $defs: Record<string, unknown> = { d0: { type: "string" } };
    for (let i = 1; i <= 20; i += 1) {
      $defs[`d${i}`] = {
        type: "object",
        properties: { a: { $ref: `#/$defs/d${i - 1}` }, b: { $ref: `#/$defs/d${i - 1}` } },
      };
    }
    expect(refused({ $defs, $ref: "#/$defs/d20" })).toThrow(/too large/);
  });

  it("a function without parameters sends none; parameters must be an object", () => {
    expect(convertToolParameters(undefined)).toBeUndefined();
    expect(convertToolParameters({})).toBeUndefined();
    expect(convertToolParameters({ type: "object", properties: {}, additionalProperties: false })).toBeUndefined();
    expect(convertToolParameters({ properties: { a: { type: "string" } } })).toEqual({
      type: "object",
      properties: { a: { type: "string" } },
    });
    expect(() => convertToolParameters({ type: "string" })).toThrow(SchemaNotSupported);
  });
});
