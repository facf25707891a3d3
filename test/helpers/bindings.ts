import { DEFAULT_PLANS } from "../../src/billing/plans.ts";

/**
 * The default plans with limits no test reaches by accident: many tests fire dozens of calls from
 * one account at once. The rate limit tests set their own small plans (PLANS in `gwWith`).
 */
export const GENEROUS_PLANS = JSON.stringify(
  DEFAULT_PLANS.map((plan) => ({ ...plan, requests_per_minute: 1_000_000, concurrent_requests: 100_000 })),
);

/** Bindings the workerd tests run with (vitest.config.ts); test-only values, not secrets. */
export const TEST_BINDINGS = {
  ADMIN_SECRET: "test-admin-secret-0123456789",
  RAPIDAPI_SECRET: "test-rapidapi-secret-0123456789",
  STRIPE_SECRET_KEY: "sk_test_fakegatewaykey0000000000000000",
  STRIPE_WEBHOOK_SECRET: "whsec_test_fakewebhooksecret000000000000",
  PLANS: GENEROUS_PLANS,
  PAYPAL_CLIENT_ID: "test-paypal-client-id-0123456789",
  PAYPAL_CLIENT_SECRET: "test-paypal-client-secret-0123456789",
  PAYPAL_WEBHOOK_ID: "1JE4291016473214C",
} as const;
