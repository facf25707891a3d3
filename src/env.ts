import { z } from "zod";
import { plansVariable } from "./billing/plans.ts";
import type { LedgerMessage } from "./metering/ledger-queue.ts";
import type { DurableObjectBindings } from "./stores/durable-object/store.ts";

/** Workers hand an unset var as `undefined`, but `.dev.vars` and dashboards often leave `""`. */
const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

const secret = () => z.preprocess(blankToUndefined, z.string().optional());

const httpUrl = (fallback: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .url({ protocol: /^https?$/, error: "expected an http(s) URL" })
      .default(fallback)
      .transform((value) => value.replace(/\/+$/, "")),
  );

const optionalHttpUrl = () =>
  z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional());

const wholeNumber = (fallback: number, min: number, max: number) =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: "expected a whole number" })
      .int({ error: "expected a whole number" })
      .min(min, { error: min === 0 ? "expected zero or more" : "expected a positive whole number" })
      .max(max, { error: `expected at most ${max}` })
      .default(fallback),
  );
const positiveInt = (fallback: number, max: number) => wholeNumber(fallback, 1, max);

/** Decimals stay strings: pricing turns them into exact integer ratios, never floats. */
const positiveDecimal = (fallback: string) =>
  z.preprocess(
    (value) => (typeof value === "number" ? String(value) : blankToUndefined(value)),
    z
      .string()
      .regex(/^\d{1,9}(\.\d{1,12})?$/, { error: "expected a positive decimal such as 1.8" })
      .refine((value) => /[1-9]/.test(value), { error: "expected a value above zero" })
      .default(fallback),
  );

/** `https://app.example.com, http://localhost:5173` or `*`: browser origins, normalised as browsers send them. */
const origins = () =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        const list = (value ?? "")
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item !== "");
        return list.map((item) => {
          if (item === "*") return item;
          const url = URL.parse(item);
          if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== "/" || url.search || url.hash) {
            ctx.addIssue({
              code: "custom",
              message: "expected comma-separated origins (scheme://host[:port], no path), or *",
            });
            return item;
          }
          return url.origin;
        });
      }),
  );

export const EnvSchema = z
  .object({
    ADMIN_SECRET: secret(),
    RAPIDAPI_SECRET: secret(),
    UPSTASH_REDIS_REST_URL: optionalHttpUrl(),
    UPSTASH_REDIS_REST_TOKEN: secret(),
    OPENAI_API_KEY: secret(),
    OPENAI_BASE_URL: httpUrl("https://api.openai.com/v1"),
    ANTHROPIC_API_KEY: secret(),
    ANTHROPIC_BASE_URL: httpUrl("https://api.anthropic.com"),
    ANTHROPIC_VERSION: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, { error: "expected a date such as 2023-06-01" })
        .default("2023-06-01"),
    ),
    GOOGLE_API_KEY: secret(),
    GOOGLE_BASE_URL: httpUrl("https://generativelanguage.googleapis.com"),
    ELEVENLABS_API_KEY: secret(),
    ELEVENLABS_BASE_URL: httpUrl("https://api.elevenlabs.io"),
    STABILITY_API_KEY: secret(),
    STABILITY_BASE_URL: httpUrl("https://api.stability.ai"),
    STRIPE_SECRET_KEY: secret(),
    STRIPE_WEBHOOK_SECRET: secret(),
    STRIPE_BASE_URL: httpUrl("https://api.stripe.com"),
    PAYPAL_CLIENT_ID: secret(),
    PAYPAL_CLIENT_SECRET: secret(),
    PAYPAL_WEBHOOK_ID: secret(),
    PAYPAL_BASE_URL: httpUrl("https://api-m.paypal.com"),
    // The plan table (src/billing/plans.ts): a JSON array replacing the default one.
    PLANS: plansVariable(),
    CHECKOUT_SUCCESS_URL: optionalHttpUrl(),
    CHECKOUT_CANCEL_URL: optionalHttpUrl(),
    MARGIN_MULTIPLIER: positiveDecimal("1.8"),
    STRIPE_PRICE_USD_PER_CREDIT: positiveDecimal("0.01"),
    UPSTREAM_TIMEOUT_MS: positiveInt(60_000, 600_000),
    UPSTREAM_IDLE_TIMEOUT_MS: positiveInt(30_000, 600_000),
    DEFAULT_MAX_OUTPUT_TOKENS: positiveInt(4096, 1_000_000),
    MAX_BODY_BYTES: positiveInt(1_048_576, 100 * 1_048_576),
    // The unit RapidAPI bills subscribers in: the object name in X-RapidAPI-Billing (a header token).
    RAPIDAPI_BILLING_OBJECT: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, {
          error: "expected letters, digits, _ or -, as RapidAPI names billing objects",
        })
        .default("Credits"),
    ),
    // How long an isolate trusts a key's mapping without asking the key index; 0 turns the cache off.
    KEY_CACHE_TTL_MS: wholeNumber(60_000, 0, 600_000),
    CORS_ORIGINS: origins(),
    DEV_SEED_KEY: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^[\x21-\x7e]{8,256}$/, { error: "expected 8 to 256 printable characters" })
        .optional(),
    ),
  })
  .superRefine((env, ctx) => {
    const url = env.UPSTASH_REDIS_REST_URL !== undefined;
    const token = env.UPSTASH_REDIS_REST_TOKEN !== undefined;
    if (url !== token) {
      ctx.addIssue({
        code: "custom",
        path: [url ? "UPSTASH_REDIS_REST_TOKEN" : "UPSTASH_REDIS_REST_URL"],
        message: "set both UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or neither",
      });
    }
  });

export type Config = z.output<typeof EnvSchema>;

/** Variables whose values must never appear in an answer or a log (the scrubber removes them). */
export const SECRET_VARS = [
  "ADMIN_SECRET",
  "RAPIDAPI_SECRET",
  "UPSTASH_REDIS_REST_TOKEN",
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY",
  "GOOGLE_API_KEY",
  "ELEVENLABS_API_KEY",
  "STABILITY_API_KEY",
  "STRIPE_SECRET_KEY",
  "STRIPE_WEBHOOK_SECRET",
  "PAYPAL_CLIENT_SECRET",
  "DEV_SEED_KEY",
] as const satisfies readonly (keyof Config)[];
export type EnvVarName = keyof z.input<typeof EnvSchema>;
export const ENV_VAR_NAMES = Object.keys(EnvSchema.shape) as EnvVarName[];

/** What the runtime hands the Worker: every variable as an optional string, plus bindings. */
export type Bindings = Partial<Record<EnvVarName, string>> &
  DurableObjectBindings & {
    ASSETS: Fetcher;
    /** Call endings the store could not take, applied when it is back (wrangler.toml). */
    LEDGER_QUEUE?: Queue<LedgerMessage>;
  };

export type EnvResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Names the variables at fault and why; never echoes a value, since most of them are secrets. */
export function parseEnv(bindings: Record<string, unknown>): EnvResult {
  const result = EnvSchema.safeParse(bindings);
  if (result.success) return { ok: true, config: result.data };
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "environment";
    return `${name}: ${issue.message}`;
  });
  return { ok: false, problems };
}

const parsed = new WeakMap<object, EnvResult>();

/** Parses once per bindings object: the runtime reuses it for every request of an isolate. */
export function loadEnv(bindings: object): EnvResult {
  let result = parsed.get(bindings);
  if (!result) {
    result = parseEnv(bindings as Record<string, unknown>);
    parsed.set(bindings, result);
  }
  return result;
}
