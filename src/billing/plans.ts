import { z } from "zod";

/**
 * Plans are data (DESIGN "Billing, plans and rate limits"): limits, a monthly allowance and the
 * Stripe price that sells it. The table below is the default; a deployment replaces it with the
 * `PLANS` JSON variable, validated at start (a bad value is BAD_ENVIRONMENT naming PLANS).
 */

export const PlanSchema = z.strictObject({
  /** Lowercase id: what `{plan}` in checkout names and what an account records. */
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, { error: "expected a lowercase id such as pro" }),
  name: z.string().min(1).max(64),
  /** Sliding window over the last 60 s, every `/v1/*` request counted. */
  requests_per_minute: z.number().int().min(1).max(1_000_000),
  /** Metered calls in flight at once (a stream counts until it ends). */
  concurrent_requests: z.number().int().min(1).max(100_000),
  /** Credits granted by each paid invoice of the plan's subscription (`plan_allowance`). */
  monthly_allowance_credits: z.number().int().min(0).max(1_000_000_000),
  /** The recurring Stripe price; null for a plan not sold through Stripe (the free default). */
  stripe_price_id: z.string().min(1).max(255).nullable(),
  /** Listed by GET /v1/plans; a plan kept only for existing subscribers or RapidAPI is not. */
  on_sale: z.boolean().default(true),
  /** The plan of direct keys without a subscription: exactly one plan is the default. */
  default: z.boolean().default(false),
  /** RapidAPI subscription names (X-RapidAPI-Subscription, upper case) served on this plan. */
  rapidapi: z.array(z.string().regex(/^[A-Z0-9_-]{1,32}$/)).default([]),
});

export type Plan = z.output<typeof PlanSchema>;

export const PlansSchema = z
  .array(PlanSchema)
  .min(1, { error: "expected at least one plan" })
  .superRefine((plans, ctx) => {
    const ids = new Set<string>();
    const prices = new Set<string>();
    const rapid = new Set<string>();
    for (const [index, plan] of plans.entries()) {
      if (ids.has(plan.id))
        ctx.addIssue({ code: "custom", path: [index, "id"], message: `duplicate plan id ${plan.id}` });
      ids.add(plan.id);
      if (plan.stripe_price_id !== null) {
        if (prices.has(plan.stripe_price_id)) {
          ctx.addIssue({ code: "custom", path: [index, "stripe_price_id"], message: "two plans share a Stripe price" });
        }
        prices.add(plan.stripe_price_id);
      }
      for (const name of plan.rapidapi) {
        if (rapid.has(name)) {
          ctx.addIssue({ code: "custom", path: [index, "rapidapi"], message: `${name} is mapped to two plans` });
        }
        rapid.add(name);
      }
    }
    const defaults = plans.filter((plan) => plan.default).length;
    if (defaults !== 1)
      ctx.addIssue({ code: "custom", message: `expected exactly one default plan, found ${defaults}` });
    if (!rapid.has("BASIC")) {
      ctx.addIssue({ code: "custom", message: "expected a plan for RapidAPI's BASIC (unknown subscriptions use it)" });
    }
  });

/** The default table: a free plan for keys without a subscription, paid plans, RapidAPI's tiers. */
export const DEFAULT_PLANS: readonly Plan[] = [
  {
    id: "free",
    name: "Free",
    requests_per_minute: 60,
    concurrent_requests: 5,
    monthly_allowance_credits: 0,
    stripe_price_id: null,
    on_sale: true,
    default: true,
    rapidapi: ["BASIC"],
  },
  {
    id: "pro",
    name: "Pro",
    requests_per_minute: 600,
    concurrent_requests: 20,
    monthly_allowance_credits: 2_000,
    stripe_price_id: null,
    on_sale: true,
    default: false,
    rapidapi: ["PRO"],
  },
  {
    id: "ultra",
    name: "Ultra",
    requests_per_minute: 3_000,
    concurrent_requests: 50,
    monthly_allowance_credits: 10_000,
    stripe_price_id: null,
    on_sale: true,
    default: false,
    rapidapi: ["ULTRA"],
  },
  {
    id: "mega",
    name: "Mega",
    requests_per_minute: 10_000,
    concurrent_requests: 100,
    monthly_allowance_credits: 50_000,
    stripe_price_id: null,
    on_sale: true,
    default: false,
    rapidapi: ["MEGA"],
  },
];

/** The `PLANS` variable: a JSON array of plans, or unset for the default table. */
export const plansVariable = () =>
  z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z
      .string()
      .optional()
      .transform((value, ctx): Plan[] => {
        if (value === undefined) return DEFAULT_PLANS.map((plan) => ({ ...plan, rapidapi: [...plan.rapidapi] }));
        let json: unknown;
        try {
          json = JSON.parse(value);
        } catch {
          ctx.addIssue({ code: "custom", message: "expected a JSON array of plans" });
          return z.NEVER;
        }
        const parsed = PlansSchema.safeParse(json);
        if (parsed.success) return parsed.data;
        for (const issue of parsed.error.issues) {
          const where = issue.path.length > 0 ? `[${issue.path.join("].[")}] ` : "";
          ctx.addIssue({ code: "custom", message: `${where}${issue.message}` });
        }
        return z.NEVER;
      }),
  );

/** Lookups over one deployment's plan table. */
export class PlanTable {
  readonly plans: readonly Plan[];
  readonly defaultPlan: Plan;
  private readonly byId: Map<string, Plan>;
  private readonly byRapidApi: Map<string, Plan>;
  private readonly byPrice: Map<string, Plan>;

  constructor(plans: readonly Plan[]) {
    this.plans = plans;
    this.byId = new Map(plans.map((plan) => [plan.id, plan]));
    this.byRapidApi = new Map(plans.flatMap((plan) => plan.rapidapi.map((name) => [name, plan] as const)));
    this.byPrice = new Map(
      plans.flatMap((plan) => (plan.stripe_price_id ? [[plan.stripe_price_id, plan] as const] : [])),
    );
    const fallback = plans.find((plan) => plan.default) ?? plans[0];
    if (!fallback) throw new Error("a plan table needs at least one plan");
    this.defaultPlan = fallback;
  }

  get(id: string): Plan | undefined {
    return this.byId.get(id);
  }

  /** An account's recorded plan; an unknown or absent one (a plan removed from PLANS) is the default. */
  forAccount(id: string | null | undefined): Plan {
    return (id ? this.byId.get(id) : undefined) ?? this.defaultPlan;
  }

  /** X-RapidAPI-Subscription → plan; unknown names are served as BASIC. */
  forRapidApi(subscription: string | null | undefined): Plan {
    const name = (subscription ?? "").trim().toUpperCase();
    return this.byRapidApi.get(name) ?? (this.byRapidApi.get("BASIC") as Plan);
  }

  forStripePrice(priceId: string): Plan | undefined {
    return this.byPrice.get(priceId);
  }

  /** What GET /v1/plans lists. */
  onSale(): Plan[] {
    return this.plans.filter((plan) => plan.on_sale);
  }
}

/** Per-deployment limits, compact: passed into the store's reserve step, which picks by account plan. */
export interface PlanLimits {
  requests_per_minute: number;
  concurrent_requests: number;
}

export const limitsOf = (plan: Plan): PlanLimits => ({
  requests_per_minute: plan.requests_per_minute,
  concurrent_requests: plan.concurrent_requests,
});
