import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { FIXTURES_ROOT } from "./fakes/fixtures.ts";
import { startFakePayPal } from "./fakes/paypal.ts";
import { startFakeStripe } from "./fakes/stripe.ts";
import { startFakeUpstream } from "./fakes/upstream.ts";
import { TEST_BINDINGS } from "./helpers/bindings.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The fake OpenAI, with /v1 (what the SDK and OPENAI_BASE_URL take). */
    openaiBaseUrl: string;
    /** The fake Anthropic, host root. */
    anthropicBaseUrl: string;
    /** The fake Gemini API, host root. */
    googleBaseUrl: string;
    /** The fake ElevenLabs, host root. */
    elevenlabsBaseUrl: string;
    /** The fake Stability AI, host root. */
    stabilityBaseUrl: string;
    /** Every `<provider>/<case>.bin` fixture, base64: what the fakes send, for tests inside workerd (no fs there). */
    binFixtures: Record<string, string>;
    /** The fake Stripe API (STRIPE_BASE_URL). */
    stripeBaseUrl: string;
    /** The fake PayPal REST API (PAYPAL_BASE_URL). */
    paypalBaseUrl: string;
  }
}

const PROVIDERS = ["openai", "anthropic", "google", "elevenlabs", "stability"] as const;

function binFixtures(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const provider of PROVIDERS) {
    for (const file of readdirSync(join(FIXTURES_ROOT, provider)).filter((name) => name.endsWith(".bin"))) {
      out[`${provider}/${file.slice(0, -".bin".length)}`] = readFileSync(join(FIXTURES_ROOT, provider, file)).toString(
        "base64",
      );
    }
  }
  return out;
}

/** Node-side peers for the workerd tests: one fake upstream per provider, replaying test/fixtures/<provider>/. */
export default async function setup(project: TestProject) {
  const fakes = await Promise.all(PROVIDERS.map((provider) => startFakeUpstream(provider)));
  const [openai, anthropic, google, elevenlabs, stability] = fakes;
  if (!openai || !anthropic || !google || !elevenlabs || !stability) throw new Error("a fake upstream did not start");
  const stripe = await startFakeStripe(TEST_BINDINGS.STRIPE_SECRET_KEY);
  project.provide("stripeBaseUrl", stripe.url);
  const paypal = await startFakePayPal({
    clientId: TEST_BINDINGS.PAYPAL_CLIENT_ID,
    clientSecret: TEST_BINDINGS.PAYPAL_CLIENT_SECRET,
    webhookId: TEST_BINDINGS.PAYPAL_WEBHOOK_ID,
  });
  project.provide("paypalBaseUrl", paypal.url);
  project.provide("openaiBaseUrl", `${openai.url}/v1`);
  project.provide("anthropicBaseUrl", anthropic.url);
  project.provide("googleBaseUrl", google.url);
  project.provide("elevenlabsBaseUrl", elevenlabs.url);
  project.provide("stabilityBaseUrl", stability.url);
  project.provide("binFixtures", binFixtures());
  return async () => {
    await Promise.all([...fakes.map((fake) => fake.close()), stripe.close(), paypal.close()]);
  };
}
