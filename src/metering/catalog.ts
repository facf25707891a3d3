import { ApiError } from "../lib/errors.ts";
import { utcDay } from "../lib/time.ts";
import { CATALOG } from "./catalog-data.ts";
import {
  type CatalogEntry,
  type ModelKind,
  type PriceTable,
  type Provider,
  priceUnit,
  type UsageKind,
} from "./catalog-types.ts";
import { type PricingConfig, parsePrice } from "./pricing.ts";

export { CATALOG };

/** `openai/gpt-4o-mini`: the id clients send and /v1/models lists. */
export const publicId = (entry: CatalogEntry) => `${entry.provider}/${entry.id}`;

const byPublicId = new Map(CATALOG.map((entry) => [publicId(entry), entry]));
const byBareId = new Map<string, CatalogEntry[]>();
for (const entry of CATALOG) byBareId.set(entry.id, [...(byBareId.get(entry.id) ?? []), entry]);

/** `openai/<id>` or a bare catalog id (when only one provider has it). */
export function findModel(model: string): CatalogEntry | undefined {
  const exact = byPublicId.get(model);
  if (exact) return exact;
  const bare = byBareId.get(model);
  return bare?.length === 1 ? bare[0] : undefined;
}

/** Providers with at least one model of `kind`, in catalog order (the legacy chat route's enum). */
export function providersOf(kind: ModelKind): [Provider, ...Provider[]] {
  return [...new Set(CATALOG.filter((entry) => entry.kind === kind).map((entry) => entry.provider))] as [
    Provider,
    ...Provider[],
  ];
}

export function isRetired(entry: CatalogEntry, now: number): boolean {
  return entry.shutdown !== undefined && entry.shutdown <= utcDay(now);
}

/** The catalog entry for a call, or the error a client should see. */
export function resolveModel(model: string, now: number, kind?: ModelKind): CatalogEntry {
  const entry = findModel(model);
  if (!entry || (kind !== undefined && entry.kind !== kind)) {
    throw new ApiError(
      "MODEL_NOT_FOUND",
      `The model '${model}' does not exist${kind ? ` as a ${kind} model` : ""}. GET /v1/models lists the available models.`,
      { param: "model" },
    );
  }
  if (isRetired(entry, now)) {
    const instead = entry.replacement ? ` Use '${entry.replacement}' instead.` : "";
    throw new ApiError(
      "MODEL_RETIRED",
      `The model '${publicId(entry)}' was shut down on ${entry.shutdown}.${instead}`,
      {
        param: "model",
      },
    );
  }
  return entry;
}

export function availableModels(now: number): CatalogEntry[] {
  return CATALOG.filter((entry) => !isRetired(entry, now));
}

const UNIT_NAMES: Record<string, string> = { "1000000": "1m_tokens", "1000": "1k_characters" };

function unitName(kind: UsageKind): string {
  const unit = priceUnit(kind);
  if (unit !== 1n) return UNIT_NAMES[unit.toString()] as string;
  if (kind === "images" || kind.startsWith("image:")) return "image";
  return kind === "seconds" ? "second" : "clip";
}

/** A USD list price as credits (margin included), rounded up to the micro-credit like every charge. */
export function priceInCredits(usd: string, pricing: PricingConfig): number {
  const num = parsePrice(usd) * pricing.margin.num * pricing.usdPerCredit.den * 1_000_000n;
  const den = 10n ** 12n * pricing.margin.den * pricing.usdPerCredit.num;
  return Number((num + den - 1n) / den) / 1_000_000;
}

/** `{ input_per_1m_tokens: 27, image_1024x1024_low_per_image: 0.39168, ... }` in credits. */
export function creditPrices(prices: PriceTable, pricing: PricingConfig): Record<string, number> {
  return Object.fromEntries(
    (Object.entries(prices) as [UsageKind, string][]).map(([kind, usd]) => [
      `${kind.replaceAll(":", "_")}_per_${unitName(kind)}`,
      priceInCredits(usd, pricing),
    ]),
  );
}
