import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

/** The dashboards' browser modules hold pure helpers too; these run in Node, no DOM needed. */
const ASSETS = join(import.meta.dirname, "..", "..", "public", "assets");
const load = (file: string) => import(pathToFileURL(join(ASSETS, file)).href);

const common = (await load("common.js")) as {
  formatMicros: (micros: unknown, options?: { sign?: boolean }) => string;
  plainMicros: (micros: number) => string;
  formatUsd: (value: unknown) => string;
  lastDays: (days: number, now?: number) => string[];
};
const { usageCsv } = (await load("csv.js")) as { usageCsv: (entries: Record<string, unknown>[]) => string };
const { scaleFor } = (await load("chart.js")) as {
  scaleFor: (max: number, integer?: boolean) => { top: number; ticks: number[] };
};

describe("money formatting (exact, from integer micro-credits)", () => {
  it.each([
    [1404, "0.001404"],
    [10_000_000_000, "10,000.00"],
    [500_000_000, "500.00"],
    [1_350_000, "1.35"],
    [0, "0.00"],
    [-1404, "−0.001404"],
    [Number.MAX_SAFE_INTEGER, "9,007,199,254.740991"],
  ])("formatMicros(%d) = %s", (micros, text) => {
    expect(common.formatMicros(micros)).toBe(text);
  });

  it("signs credits when asked and shows a dash for what is not a number", () => {
    expect(common.formatMicros(500_000_000, { sign: true })).toBe("+500.00");
    expect(common.formatMicros(-5, { sign: true })).toBe("−0.000005");
    expect(common.formatMicros(null)).toBe("—");
  });

  it("plainMicros is a spreadsheet's decimal; formatUsd shows the API's string as given", () => {
    expect(common.plainMicros(-1404)).toBe("-0.001404");
    expect(common.plainMicros(12_000_000)).toBe("12.000000");
    expect(common.formatUsd("0.80000000000000000001")).toBe("$0.80000000000000000001");
    expect(common.formatUsd("-1.5")).toBe("−$1.5");
    expect(common.formatUsd(undefined)).toBe("—");
  });

  it("lastDays lists the UTC dates ending today, oldest first", () => {
    expect(common.lastDays(3, Date.parse("2026-12-01T00:30:00Z"))).toEqual(["2026-11-29", "2026-11-30", "2026-12-01"]);
  });
});

describe("the usage CSV", () => {
  it("has a header row, one row per entry, quotes what needs it and defuses spreadsheet formulas", () => {
    const csv = usageCsv([
      {
        id: "le_1",
        created_at: "2026-11-30T10:00:00.000Z",
        reason: "usage",
        amount_micros: -1404,
        balance_after_micros: 499_998_596,
        provider: "openai",
        model: "gpt-4o-mini",
        request_id: "req_1",
        reference: null,
        usage: { input: 16, output: 9 },
      },
      {
        id: "le_2",
        created_at: "2026-11-30T09:00:00.000Z",
        reason: "admin_grant",
        amount_micros: 500_000_000,
        balance_after_micros: 500_000_000,
        provider: null,
        model: null,
        request_id: null,
        reference: '=HYPERLINK("x"), "quoted"',
        usage: null,
      },
    ]);
    expect(csv.split("\r\n")).toEqual([
      "id,created_at,reason,amount_micros,credits,balance_after_micros,provider,model,request_id,reference,usage",
      'le_1,2026-11-30T10:00:00.000Z,usage,-1404,-0.001404,499998596,openai,gpt-4o-mini,req_1,,"{""input"":16,""output"":9}"',
      `le_2,2026-11-30T09:00:00.000Z,admin_grant,500000000,500.000000,500000000,,,,"'=HYPERLINK(""x""), ""quoted""",`,
      "",
    ]);
  });
});

describe("chart scales", () => {
  it("round the axis up to 1, 2 or 5 times a power of ten, in four or so steps", () => {
    expect(scaleFor(0.0014)).toEqual({ top: 0.0015, ticks: [0, 0.0005, 0.001, 0.0015] });
    expect(scaleFor(7)).toEqual({ top: 8, ticks: [0, 2, 4, 6, 8] });
    expect(scaleFor(0)).toEqual({ top: 1, ticks: [0, 0.5, 1] });
  });

  it("keep whole-number axes (calls) on whole numbers", () => {
    expect(scaleFor(1, true)).toEqual({ top: 1, ticks: [0, 1] });
    expect(scaleFor(0, true)).toEqual({ top: 1, ticks: [0, 1] });
  });
});
