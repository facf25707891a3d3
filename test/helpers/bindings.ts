/** Bindings the workerd tests run with (vitest.config.ts); test-only values, not secrets. */
export const TEST_BINDINGS = {
  ADMIN_SECRET: "test-admin-secret-0123456789",
  RAPIDAPI_SECRET: "test-rapidapi-secret-0123456789",
  STRIPE_SECRET_KEY: "sk_test_fakegatewaykey0000000000000000",
  STRIPE_WEBHOOK_SECRET: "whsec_test_fakewebhooksecret000000000000",
  PAYPAL_CLIENT_ID: "test-paypal-client-id-0123456789",
  PAYPAL_CLIENT_SECRET: "test-paypal-client-secret-0123456789",
  PAYPAL_WEBHOOK_ID: "1JE4291016473214C",
} as const;
