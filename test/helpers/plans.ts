/** A deployment's PLANS with Stripe prices (the default table sells nothing until the operator sets prices). */
export const SOLD_PLANS = [
  {
    id: "free",
    name: "Free",
    requests_per_minute: 60,
    concurrent_requests: 5,
    monthly_allowance_credits: 0,
    stripe_price_id: null,
    default: true,
    rapidapi: ["BASIC"],
  },
  {
    id: "pro",
    name: "Pro",
    requests_per_minute: 600,
    concurrent_requests: 20,
    monthly_allowance_credits: 2_000,
    stripe_price_id: "price_test_pro",
    rapidapi: ["PRO"],
  },
  {
    id: "ultra",
    name: "Ultra",
    requests_per_minute: 3_000,
    concurrent_requests: 50,
    monthly_allowance_credits: 10_000,
    stripe_price_id: "price_test_ultra",
    rapidapi: ["ULTRA", "MEGA"],
  },
  {
    id: "legacy",
    name: "Legacy",
    requests_per_minute: 100,
    concurrent_requests: 5,
    monthly_allowance_credits: 500,
    stripe_price_id: "price_test_legacy",
    on_sale: false,
  },
];

export const PLANS = JSON.stringify(SOLD_PLANS);
