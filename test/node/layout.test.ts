import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "..", "..", "src");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** Every relative module a file imports or re-exports (type-only imports included), as src-relative paths. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const specifiers = [...source.matchAll(/(?:import|export)\s[^;]*?from\s+"([^"]+)"/g)].map((m) => m[1] as string);
  return specifiers.filter((s) => s.startsWith(".")).map((s) => relative(SRC, resolve(dirname(file), s)));
}

/** Which layers each layer may not import (DESIGN "Capabilities and providers"). */
const FORBIDDEN: Record<string, string[]> = {
  metering: ["routes", "providers", "capabilities", "middleware"],
  capabilities: ["routes", "providers", "middleware"],
  providers: ["routes", "middleware"],
  stores: ["routes", "providers", "capabilities", "metering", "middleware"],
};

describe("layout", () => {
  it.each(Object.entries(FORBIDDEN))("%s/ imports nothing from %j", (layer, forbidden) => {
    const offending = files(join(SRC, layer)).flatMap((file) =>
      importsOf(file)
        .filter((target) => forbidden.includes(target.split("/")[0] as string))
        .map((target) => `${relative(SRC, file)} -> ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it("the check sees imports (it would catch a violation)", () => {
    expect(importsOf(join(SRC, "routes", "chat", "chat.handlers.ts"))).toContain("metering/metered-call.ts");
  });
});
