import type { AppRouteHandler } from "../../lib/types.ts";
import { availableModels, creditPrices, publicId, resolveModel } from "../../metering/catalog.ts";
import type { CatalogEntry } from "../../metering/catalog-types.ts";
import { type PricingConfig, pricesInForce } from "../../metering/pricing.ts";
import type * as routes from "./models.routes.ts";

function toModel(entry: CatalogEntry, now: number, pricing: PricingConfig) {
  const { prices, tiers } = pricesInForce(entry, now);
  return {
    id: publicId(entry),
    object: "model" as const,
    created: Math.floor(Date.parse(`${entry.created}T00:00:00Z`) / 1000),
    owned_by: entry.provider,
    kind: entry.kind,
    context_window: entry.context_window ?? null,
    max_output_tokens: entry.max_output_tokens ?? null,
    max_input_characters: entry.max_input_characters ?? null,
    pricing: creditPrices(prices, pricing),
    long_prompt_pricing: tiers.map((tier) => ({
      above_input_tokens: tier.above_input_tokens,
      pricing: creditPrices(tier.prices, pricing),
    })),
    shutdown_date: entry.shutdown ?? null,
    replacement: entry.replacement ?? null,
  };
}

export const listModels: AppRouteHandler<typeof routes.listModels> = (c) => {
  const now = c.var.services.now();
  const pricing = c.var.services.pricing;
  return c.json(
    { object: "list" as const, data: availableModels(now).map((entry) => toModel(entry, now, pricing)) },
    200,
  );
};

export const getModel: AppRouteHandler<typeof routes.getModel> = (c) => {
  const now = c.var.services.now();
  const entry = resolveModel(c.req.valid("param").id, now);
  return c.json(toModel(entry, now, c.var.services.pricing), 200);
};

export const getModelBySegments: AppRouteHandler<typeof routes.getModelBySegments> = (c) => {
  const now = c.var.services.now();
  const { provider, id } = c.req.valid("param");
  const entry = resolveModel(`${provider}/${id}`, now);
  return c.json(toModel(entry, now, c.var.services.pricing), 200);
};
