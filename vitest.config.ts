import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_BINDINGS } from "./test/helpers/bindings.ts";

export default defineConfig({
  test: {
    // Request logs are JSON lines on stdout; show them only for failing tests.
    silent: "passed-only",
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ...TEST_BINDINGS,
                OPENAI_API_KEY: "sk-fake-gateway-key",
                OPENAI_BASE_URL: inject("openaiBaseUrl"),
                ANTHROPIC_API_KEY: "sk-ant-fake-gateway-key",
                ANTHROPIC_BASE_URL: inject("anthropicBaseUrl"),
                GOOGLE_API_KEY: "AIzaFakeGatewayKey-0000000000000000000",
                GOOGLE_BASE_URL: inject("googleBaseUrl"),
                ELEVENLABS_API_KEY: "xi-fake-gateway-key-0123456789",
                ELEVENLABS_BASE_URL: inject("elevenlabsBaseUrl"),
                STABILITY_API_KEY: "sk-stability-fake-gateway-key",
                STABILITY_BASE_URL: inject("stabilityBaseUrl"),
                STRIPE_BASE_URL: inject("stripeBaseUrl"),
                PAYPAL_BASE_URL: inject("paypalBaseUrl"),
                UPSTREAM_TIMEOUT_MS: "2000",
                UPSTREAM_IDLE_TIMEOUT_MS: "1000",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**", "test/providers/**"],
          globalSetup: ["./test/global-setup.ts"],
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          // Provider adapters are tested alone, without workerd, against recorded fixtures.
          include: ["test/node/**/*.test.ts", "test/providers/**/*.test.ts"],
        },
      },
    ],
  },
});
