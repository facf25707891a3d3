import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** Bindings the route tests run with; secrets here are test-only values. */
export const TEST_BINDINGS = {
  ADMIN_SECRET: "test-admin-secret-0123456789",
  RAPIDAPI_SECRET: "test-rapidapi-secret-0123456789",
};

export default defineConfig({
  test: {
    // Request logs are JSON lines on stdout; show them only for failing tests.
    silent: "passed-only",
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: TEST_BINDINGS },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**"],
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
        },
      },
    ],
  },
});
