import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as keyScripts from "../../src/stores/redis/key-scripts.ts";
import * as paymentScripts from "../../src/stores/redis/payment-scripts.ts";
import * as rapidScripts from "../../src/stores/redis/rapidapi-scripts.ts";
import * as scripts from "../../src/stores/redis/scripts.ts";
import { type FakeStripe, startFakeStripe } from "../fakes/stripe.ts";
import { type FakeUpstream, startFakeUpstream } from "../fakes/upstream.ts";
import { GENEROUS_PLANS } from "../helpers/bindings.ts";
import {
  type AnsweredCall,
  type Books,
  expectAnswer,
  expectBooksBalanced,
  expectRapidApiBilled,
  type LedgerEntry,
  PROVIDER_FAULTS,
  type ProviderFault,
  RAPIDAPI_ACCRUE,
  STEP_CALL,
  STORE_MATRIX,
  STORE_MODES,
  type StoreFaultMode,
  type StoreStep,
  sseFrames,
} from "../helpers/fault-matrix.ts";
import { purchase, type StripeEventBody } from "../helpers/stripe-events.ts";
import { type FoundRedis, findRedis, startUpstashLocal, type UpstashLocal } from "./helpers/redis.ts";
import { type ProxyMode, type SwitchableProxy, switchableProxy } from "./helpers/switchable-proxy.ts";
import { type DevServer, startDevServer } from "./helpers/wrangler-dev.ts";

/**
 * The fault matrix (test/helpers/fault-matrix.ts) on the Upstash Redis store: the real Worker under
 * `wrangler dev`, its store reached through a proxy that fails the requests of one step (one Lua
 * script, on one account) in each mode, and its ledger queue run by wrangler's local queue consumer.
 * Every cell checks its answer, then, once the store is back and the consumer has run: no hold left,
 * the ledger summing to the balance, every call charged exactly once or not at all.
 */
const found: FoundRedis | null = await findRedis();
const ADMIN_SECRET = "fault-matrix-admin-secret-0123456";
const WEBHOOK_SECRET = "whsec_fault_matrix_test_secret_000000";
const STRIPE_KEY = "sk_test_fault_matrix_000000000000000";
const RAPIDAPI_SECRET = "fault-matrix-rapidapi-secret-0123456";
let endpoint: UpstashLocal;
let proxy: SwitchableProxy;
let openai: FakeUpstream;
/** In front of the fake OpenAI: refuses the connections of one call. */
let providerProxy: SwitchableProxy;
let stripe: FakeStripe;
let gateway: DevServer;
let configDir: string;

/** How each store mode looks on the wire between the Worker and Upstash. */
const PROXY_MODE: Record<StoreFaultMode, Exclude<ProxyMode, "pass">> = {
  refused: "refuse",
  hung: "hang",
  slow: "slow",
  erroring: "error",
  faulting: "fault",
};

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
/** The script each step runs (the client sends EVALSHA <sha1 of the script>). */
const SCRIPT: Record<StoreStep, string> = {
  auth: sha1(keyScripts.KEY_LOOKUP),
  hold: sha1(scripts.RESERVE),
  settle: sha1(scripts.SETTLE),
  "settle (stream)": sha1(scripts.SETTLE),
  "settle (cut stream)": sha1(scripts.SETTLE),
  release: sha1(scripts.RELEASE),
  credit: sha1(scripts.CREDIT),
  webhook: sha1(paymentScripts.PURCHASE),
};

/**
 * The project's wrangler.toml with absolute paths and the ledger queue's batch timeout at 1 s (5 s in
 * production), so a queued ending reaches the consumer soon after the store is back.
 */
function testConfig(): string {
  const root = join(import.meta.dirname, "..", "..");
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8")
    .replace(/^main = .*$/m, `main = ${JSON.stringify(join(root, "src", "index.ts"))}`)
    .replace(/^directory = .*$/m, `directory = ${JSON.stringify(join(root, "public"))}`)
    .replace(/^\[build\]\n(?:[^[\n].*\n)*/m, "")
    .replace(/^max_batch_timeout = 5$/m, "max_batch_timeout = 1");
  expect(toml).toContain("max_batch_timeout = 1");
  configDir = mkdtempSync(join(tmpdir(), "fault-matrix-"));
  const path = join(configDir, "wrangler.toml");
  writeFileSync(path, toml);
  return path;
}

const until = async <T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  everyMs = 100,
) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
};

describe.skipIf(!found)("fault matrix (Redis, wrangler dev)", () => {
  beforeAll(async () => {
    endpoint = await startUpstashLocal({ redisUrl: found?.url });
    proxy = await switchableProxy(() => endpoint.url);
    openai = await startFakeUpstream("openai");
    providerProxy = await switchableProxy(() => openai.url);
    stripe = await startFakeStripe(STRIPE_KEY);
    gateway = await startDevServer({
      config: testConfig(),
      vars: {
        UPSTASH_REDIS_REST_URL: proxy.url,
        UPSTASH_REDIS_REST_TOKEN: endpoint.token,
        // The matrix polls balances: limits it cannot reach by accident.
        PLANS: GENEROUS_PLANS,
        OPENAI_API_KEY: "sk-fake-gateway-key",
        OPENAI_BASE_URL: `${providerProxy.url}/v1`,
        ADMIN_SECRET,
        RAPIDAPI_SECRET,
        STRIPE_SECRET_KEY: STRIPE_KEY,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_BASE_URL: stripe.url,
        UPSTREAM_TIMEOUT_MS: "2000",
        UPSTREAM_IDLE_TIMEOUT_MS: "1000",
      },
    });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    providerProxy?.close();
    await openai?.close();
    await stripe?.close();
    proxy?.close();
    await endpoint?.close();
    await found?.stop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  const admin = { "x-admin-secret": ADMIN_SECRET, "content-type": "application/json" };
  const call = (path: string, init?: RequestInit) => fetch(`${gateway.url}${path}`, init);

  /** A new account with its key, granted 10 credits. */
  async function funded() {
    const created = await call("/admin/accounts", { method: "POST", headers: admin, body: "{}" });
    expect(created.status, await created.clone().text()).toBe(201);
    const { id, key } = (await created.json()) as { id: string; key: { key: string } };
    const grant = await call("/admin/add-credits", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ accountId: id, credits: 10 }),
    });
    expect(grant.status).toBe(200);
    return { account_id: id, key: key.key, keyHash: createHash("sha256").update(key.key).digest("hex") };
  }

  async function books(key: string): Promise<Books> {
    const headers = { authorization: `Bearer ${key}` };
    const balance = await call("/v1/balance", { headers });
    expect(balance.status, await balance.clone().text()).toBe(200);
    const { credits_micros, held_micros } = (await balance.json()) as Books;
    const usage = await call("/v1/usage?limit=100", { headers });
    expect(usage.status).toBe(200);
    return { credits_micros, held_micros, entries: ((await usage.json()) as { data: LedgerEntry[] }).data };
  }

  /** Once the store is back, the ledger queue's consumer applies what waited: no hold left. */
  const settled = (key: string) =>
    until(
      "the hold to go",
      () => books(key),
      (b) => b.held_micros === 0,
      60_000,
    );

  const chat = (key: string, content: string, stream: boolean) =>
    call("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", stream, messages: [{ role: "user", content }] }),
    });

  const deliver = async (body: StripeEventBody) => {
    const payload = JSON.stringify(body);
    const header = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: WEBHOOK_SECRET });
    return call("/webhooks/stripe", {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": header },
      body: payload,
    });
  };

  /** The Worker logged that the call's ending went to the ledger queue. */
  const queuedFor = (requestId: string) =>
    until(
      `the ending of ${requestId} to be queued`,
      async () =>
        gateway
          .output()
          .split("\n")
          .some((line) => line.includes("call ending queued until the store is back") && line.includes(requestId)),
      (queued) => queued,
      30_000,
      20,
    );

  for (const [step, row] of Object.entries(STORE_MATRIX) as [StoreStep, (typeof STORE_MATRIX)[StoreStep]][]) {
    for (const mode of STORE_MODES) {
      const expected = row[mode];
      it(`the store ${mode} at ${step}: ${expected.status} ${expected.code ?? (expected.frame ? `then an error frame ${expected.frame}` : "")}`, {
        timeout: 90_000,
      }, async () => {
        const { key, account_id, keyHash } = await funded();
        const tag = step === "auth" ? `{k:${keyHash}}` : `{a:${account_id}}`;
        const rule = proxy.fail({
          mode: PROXY_MODE[mode],
          match: (body) => body.includes(SCRIPT[step]) && body.includes(tag),
        });
        try {
          if (step === "credit" || step === "webhook") {
            const before = await books(key);
            const credits = step === "credit" ? 7 : 700;
            const completed = purchase(account_id, credits).completed();
            const grant = () =>
              call("/admin/add-credits", {
                method: "POST",
                headers: { ...admin, "idempotency-key": `grant-${account_id}` },
                body: JSON.stringify({ accountId: account_id, credits }),
              });
            const res = step === "credit" ? await grant() : await deliver(completed);
            await expectAnswer(res, expected);
            expect(res.headers.get("x-should-retry")).toBe("true");
            expect(rule.hits).toBeGreaterThan(0);
            // The store is back: the caller's retry (the admin's, Stripe's) applies once, however often it comes.
            rule.clear();
            for (let i = 0; i < 2; i++) {
              const retry = step === "credit" ? await grant() : await deliver(completed);
              expect(retry.status, await retry.clone().text()).toBe(200);
            }
            const after = await books(key);
            expectBooksBalanced(after, []);
            expect(after.credits_micros - before.credits_micros).toBe(credits * 1_000_000);
            return;
          }

          const marker = `m-${crypto.randomUUID()}`;
          const { directives, stream } = STEP_CALL[step] ?? { directives: "", stream: false };
          const res = await chat(key, `${directives} ${marker}`, stream);
          await expectAnswer(res, expected);
          const reachedProvider = openai.requests.filter((r) => r.rawBody.includes(marker)).length;
          if (step === "auth" || step === "hold") {
            expect(rule.hits).toBeGreaterThan(0);
            expect(reachedProvider).toBe(0);
            rule.clear();
            // A hold the store placed after the gateway stopped waiting (slow) is released from the queue.
            expectBooksBalanced(await settled(key), [{ res, charged: false }]);
            return;
          }
          // The ending waits in the ledger queue while the store is down; the hold covers the call meanwhile.
          // (A slow store takes the ending after the gateway stopped waiting: the queued copy replays it.)
          expect(reachedProvider).toBe(1);
          if (mode !== "slow") expect((await books(key)).held_micros).toBeGreaterThan(0);
          await queuedFor(res.headers.get("x-request-id") as string);
          // The store is back as soon as the ending is queued, before the queue's first delivery if it can.
          rule.clear();
          expect(rule.hits).toBeGreaterThan(0);
          expectBooksBalanced(await settled(key), [{ res, charged: step !== "release" }]);
        } finally {
          rule.clear();
        }
      });
    }
  }

  for (const mode of STORE_MODES) {
    const expected = RAPIDAPI_ACCRUE[mode];
    const title = `the store ${mode} at a RapidAPI accrual: ${expected.status}, billed 0 now and the rest by the next answer`;
    it(title, { timeout: 90_000 }, async () => {
      const user = `fault-${crypto.randomUUID()}`;
      const headers = {
        "x-rapidapi-proxy-secret": RAPIDAPI_SECRET,
        "x-rapidapi-user": user,
        "x-rapidapi-subscription": "PRO",
        "content-type": "application/json",
      };
      const ask = () =>
        call("/v1/chat/completions", {
          method: "POST",
          headers,
          body: JSON.stringify({
            model: "openai/gpt-4o-mini",
            messages: [{ role: "user", content: `Say hi m-${crypto.randomUUID()}` }],
          }),
        });
      const tag = `{a:rapidapi:${user}}`;
      const accrue = sha1(rapidScripts.ACCRUE);
      const rule = proxy.fail({
        mode: PROXY_MODE[mode],
        match: (body) => body.includes(accrue) && body.includes(tag),
      });
      let first: Response;
      try {
        first = await ask();
        await expectAnswer(first, expected);
        expect(first.headers.get("x-rapidapi-billing")).toBe("Credits=0");
        await queuedFor(first.headers.get("x-request-id") as string);
        expect(rule.hits).toBeGreaterThan(0);
      } finally {
        rule.clear();
      }
      type Usage = { data: { amount_micros: number; request_id: string | null }[] };
      const usage = () => call("/v1/usage?limit=100", { headers }).then((res) => res.json() as Promise<Usage>);
      // The consumer accrues the first call once the store is back.
      await until(
        "the queued accrual",
        usage,
        (u) => u.data.some((e) => e.request_id === first.headers.get("x-request-id")),
        60_000,
      );
      const second = await ask();
      await expectAnswer(second, { status: 200, code: null });
      const balance = (await (await call("/v1/balance", { headers })).json()) as {
        accrued_micros: number;
        unbilled_micros: number;
      };
      const { data } = await usage();
      for (const res of [first, second]) {
        expect(data.filter((e) => e.request_id === res.headers.get("x-request-id"))).toHaveLength(1);
      }
      expect(-data.reduce((sum, e) => sum + e.amount_micros, 0)).toBe(balance.accrued_micros);
      expectRapidApiBilled([first, second], balance);
    });
  }

  it("the store stopped for 3 s at the end of a stream: within a minute the call is charged exactly once, no hold left", {
    timeout: 90_000,
  }, async () => {
    const { key } = await funded();
    const res = await chat(key, `[[scenario:long]] [[repeat:1:20]] [[delay:20]] m-${crypto.randomUUID()}`, true);
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value, { stream: true });
    // The store stops while the stream runs: its end (and its settle) finds the store down.
    proxy.mode = "refuse";
    const stopped = Date.now();
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        text += decoder.decode(chunk.value, { stream: true });
      }
      expect(sseFrames(text).at(-1)).toBe("[DONE]");
      await queuedFor(res.headers.get("x-request-id") as string);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3000 - (Date.now() - stopped))));
    } finally {
      proxy.mode = "pass";
    }
    expectBooksBalanced(await settled(key), [{ res, charged: true }]);
  });

  describe.concurrent("the provider failing at each step", () => {
    for (const [fault, row] of Object.entries(PROVIDER_FAULTS) as [
      ProviderFault,
      (typeof PROVIDER_FAULTS)[ProviderFault],
    ][]) {
      for (const shape of ["plain", "stream"] as const) {
        const expected = row[shape];
        const answer = expected.frame
          ? `200, then an error frame ${expected.frame}`
          : `${expected.status} ${expected.code}`;
        it(`${fault} (${shape}): ${answer}, ${expected.charged ? "charged once" : "free"}`, {
          timeout: 60_000,
        }, async () => {
          const { key } = await funded();
          const marker = `m-${crypto.randomUUID()}`;
          const refused =
            fault === "refused" ? providerProxy.fail({ mode: "refuse", match: (body) => body.includes(marker) }) : null;
          const res = await chat(key, `${row.directives[shape]} ${marker}`, shape === "stream");
          refused?.clear();
          await expectAnswer(res, expected);
          if (fault === "429") expect(res.headers.get("retry-after")).toBe("7");
          const calls: AnsweredCall[] = [{ res, charged: expected.charged }];
          expectBooksBalanced(await settled(key), calls);
        });
      }
    }
  });
});
