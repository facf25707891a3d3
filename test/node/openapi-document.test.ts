import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";

const DOC = join(import.meta.dirname, "..", "..", "openapi", "openapi.json");

describe("openapi/openapi.json", () => {
  it("is a valid OpenAPI 3.0 document according to an independent validator", async () => {
    const doc = JSON.parse(readFileSync(DOC, "utf8"));
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toMatch(/^3\.0/);
  });

  it("fails that validator when the document is broken, so the check above can fail", async () => {
    const doc = JSON.parse(readFileSync(DOC, "utf8"));
    doc.paths["/health"].get.responses = "not responses";
    const result = await new Validator().validate(doc);
    expect(result.valid).toBe(false);
  });
});
