/** Bindings the workerd tests run with (vitest.config.ts); test-only values, not secrets. */
export const TEST_BINDINGS = {
  ADMIN_SECRET: "test-admin-secret-0123456789",
  RAPIDAPI_SECRET: "test-rapidapi-secret-0123456789",
} as const;
