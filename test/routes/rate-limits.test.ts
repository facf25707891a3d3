import OpenAI from "openai";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isMetered } from "../../src/middleware/rate-limit.ts";
import { account, funded, MODEL, prompt } from "../helpers/chat.ts";
import { BASE_URL } from "../helpers/clients.ts";
import { bearer, expectError, gw, gwWith, json, rapid } from "../helpers/gateway.ts";

/** A deployment whose default plan (`tiny`, also RapidAPI's BASIC) allows `rpm` requests a minute and `concurrent` calls at once. */
const plans = (rpm: number, concurrent: number) => ({
  PLANS: JSON.stringify([
    {
      id: "tiny",
      name: "Tiny",
      requests_per_minute: rpm,
      concurrent_requests: concurrent,
      monthly_allowance_credits: 0,
      stripe_price_id: null,
      default: true,
      rapidapi: ["BASIC"],
    },
    {
      id: "big",
      name: "Big",
      requests_per_minute: 1_000,
      concurrent_requests: 100,
      monthly_allowance_credits: 0,
      stripe_price_id: null,
      rapidapi: ["PRO"],
    },
  ]),
});

const chatOn = (vars: Record<string, string>, headers: Record<string, string>, body: Record<string, unknown> = {}) =>
  gwWith(
    vars,
    "/v1/chat/completions",
    json({ model: MODEL, max_tokens: 50, messages: [{ role: "user", content: prompt().content }], ...body }, headers),
  );

const limitHeaders = (res: Response) => ({
  limit: res.headers.get("x-ratelimit-limit-requests"),
  remaining: res.headers.get("x-ratelimit-remaining-requests"),
  reset: res.headers.get("x-ratelimit-reset-requests"),
});

/** Whole minutes plus 5 s: a fixed window starts every whole minute. */
const T = Date.parse("2026-12-01T10:00:05Z");

afterEach(() => {
  vi.useRealTimers();
});

describe("rate limits (requests per minute)", () => {
  it("a key on a 5-a-minute plan gets 5 answers, then 429 with when to retry; refused calls cost nothing; after Retry-After it passes", async () => {
    const { key } = await funded(10);
    const vars = plans(5, 50);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T);
    const charged: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await chatOn(vars, bearer(key));
      expect(res.status, await res.clone().text()).toBe(200);
      // 55 s left in this fixed window.
      expect(limitHeaders(res)).toEqual({ limit: "5", remaining: String(4 - i), reset: "55s" });
      charged.push(Math.round(Number(res.headers.get("x-credits-charged")) * 1_000_000));
    }
    for (let i = 0; i < 3; i++) {
      const res = await chatOn(vars, bearer(key));
      const error = await expectError(res, 429, "RATE_LIMITED");
      expect(error.type).toBe("rate_limit_error");
      expect(error.message).toContain("5 requests per minute");
      // Five calls in this window weigh 5 until just past the next window's start.
      expect(res.headers.get("retry-after-ms")).toBe("55001");
      expect(res.headers.get("retry-after")).toBe("56");
      expect(res.headers.get("x-should-retry")).toBe("true");
      expect(limitHeaders(res)).toEqual({ limit: "5", remaining: "0", reset: "55.001s" });
    }
    vi.setSystemTime(T + 55_000);
    await expectError(await chatOn(vars, bearer(key)), 429, "RATE_LIMITED");
    vi.setSystemTime(T + 55_001);
    const res = await chatOn(vars, bearer(key));
    expect(res.status).toBe(200);
    expect(limitHeaders(res).limit).toBe("5");
    charged.push(Math.round(Number(res.headers.get("x-credits-charged")) * 1_000_000));
    // The refused calls held and charged nothing: the balance paid for the six answers only.
    const after = await account(key);
    expect(after.held_micros).toBe(0);
    expect(10_000_000 - after.credits_micros).toBe(charged.reduce((a, b) => a + b, 0));
  });

  it("routes that are not metered are counted in the same window, and carry the headers too", async () => {
    const { key } = await funded(10);
    const vars = plans(3, 50);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T);
    const balance = await gwWith(vars, "/v1/balance", { headers: bearer(key) });
    expect(balance.status).toBe(200);
    expect(limitHeaders(balance)).toEqual({ limit: "3", remaining: "2", reset: "55s" });
    const models = await gwWith(vars, "/v1/models", { headers: bearer(key) });
    expect(limitHeaders(models)).toMatchObject({ limit: "3", remaining: "1" });
    const chat = await chatOn(vars, bearer(key));
    expect(limitHeaders(chat)).toMatchObject({ limit: "3", remaining: "0" });
    for (const path of ["/v1/balance", "/v1/usage", "/v1/keys", "/v1/models"]) {
      const refused = await gwWith(vars, path, { headers: bearer(key) });
      await expectError(refused, 429, "RATE_LIMITED");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(120);
    }
    await expectError(await chatOn(vars, bearer(key)), 429, "RATE_LIMITED");
    // The health check, the docs and the admin surface are not limited.
    expect((await gwWith(vars, "/health")).status).toBe(200);
    expect((await gwWith(vars, "/openapi.json")).status).toBe(200);
  });

  it("metered requests answered before their hold (not enough credits, invalid, unknown model) are counted too", async () => {
    const { key } = await funded(0);
    const vars = plans(3, 50);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T);
    const poor = await chatOn(vars, bearer(key));
    await expectError(poor.clone(), 402, "INSUFFICIENT_CREDITS");
    expect(limitHeaders(poor)).toEqual({ limit: "3", remaining: "2", reset: "55s" });
    const invalid = await gwWith(vars, "/v1/chat/completions", json({ model: MODEL }, bearer(key)));
    await expectError(invalid.clone(), 400, "INVALID_REQUEST");
    expect(limitHeaders(invalid).remaining).toBe("1");
    const unknown = await chatOn(vars, bearer(key), { model: "openai/no-such-model" });
    await expectError(unknown.clone(), 404, "MODEL_NOT_FOUND");
    expect(limitHeaders(unknown).remaining).toBe("0");
    // Over the limit, the answer is the 429 the limiter would have given first.
    const over = await gwWith(vars, "/v1/chat/completions", json({ model: MODEL }, bearer(key)));
    await expectError(over.clone(), 429, "RATE_LIMITED");
    expect(over.headers.get("retry-after")).toBe("56");
  });

  it("a streamed answer carries the headers from its first byte", async () => {
    const { key } = await funded(10);
    const res = await chatOn(plans(100, 50), bearer(key), { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(limitHeaders(res)).toMatchObject({ limit: "100", remaining: "99" });
    expect(await res.text()).toContain("data: [DONE]");
  });
});

describe("rate limits (concurrent calls)", () => {
  it("N+1 streams at once on a plan of N concurrent calls: exactly one 429, and a slot frees when a stream ends", async () => {
    const { key } = await funded(10);
    const vars = plans(1_000, 3);
    const answers = await Promise.all(Array.from({ length: 4 }, () => chatOn(vars, bearer(key), { stream: true })));
    const refused = answers.filter((res) => res.status === 429);
    expect(refused).toHaveLength(1);
    const error = await expectError(refused[0] as Response, 429, "RATE_LIMITED");
    expect(error.message).toContain("3 at once");
    expect((refused[0] as Response).headers.get("retry-after")).toBe("1");
    expect((refused[0] as Response).headers.get("retry-after-ms")).toBe("1000");
    const streams = answers.filter((res) => res.status === 200);
    expect(streams).toHaveLength(3);
    // Still three in flight: the next call is refused too, and holds nothing more.
    expect((await account(key)).held_micros).toBeGreaterThan(0);
    await expectError(await chatOn(vars, bearer(key)), 429, "RATE_LIMITED");
    // One stream read to its end frees one slot once its settle lands.
    const held = async () => (await account(key)).held_micros;
    const threeHeld = await held();
    expect(await (streams[0] as Response).text()).toContain("data: [DONE]");
    await expect.poll(held).toBeLessThan(threeHeld);
    const next = await chatOn(vars, bearer(key));
    expect(next.status).toBe(200);
    await Promise.all(streams.slice(1).map((res) => res.text()));
    await expect.poll(held).toBe(0);
  });

  it("the openai SDK retries a 429 by itself (x-should-retry, retry-after-ms) and succeeds once a slot is free", async () => {
    const { key } = await funded(10);
    const vars = plans(1_000, 1);
    const busy = await chatOn(vars, bearer(key), { stream: true });
    expect(busy.status).toBe(200);
    const statuses: number[] = [];
    const client = new OpenAI({
      apiKey: key,
      baseURL: BASE_URL,
      maxRetries: 2,
      fetch: async (input, init) => {
        const url = new URL(String(input));
        const res = await gwWith(vars, `${url.pathname}${url.search}`, init);
        statuses.push(res.status);
        if (res.status === 429) {
          // The call that held the slot ends before the SDK's retry.
          await busy.text();
          await expect.poll(async () => (await account(key)).held_micros).toBe(0);
        }
        return res;
      },
    });
    const completion = await client.chat.completions.create({
      model: MODEL,
      max_tokens: 50,
      messages: [{ role: "user", content: prompt().content }],
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expect(statuses).toEqual([429, 200]);
  });
});

describe("rate limits for RapidAPI subscribers", () => {
  it("are their subscription's plan's, answered with Retry-After but none of the gateway's x-ratelimit-* headers", async () => {
    const user = `user-${crypto.randomUUID().slice(0, 12)}`;
    const vars = plans(2, 50);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T);
    for (let i = 0; i < 2; i++) {
      const res = await chatOn(vars, rapid(user, "BASIC"));
      expect(res.status, await res.clone().text()).toBe(200);
      expect([...res.headers.keys()].filter((name) => name.startsWith("x-ratelimit-"))).toEqual([]);
    }
    const refused = await chatOn(vars, rapid(user, "BASIC"));
    await expectError(refused, 429, "RATE_LIMITED");
    expect(refused.headers.get("retry-after")).toBe("56");
    expect(refused.headers.get("x-rapidapi-billing")).toBe("Credits=0");
    expect([...refused.headers.keys()].filter((name) => name.startsWith("x-ratelimit-"))).toEqual([]);
    const balance = await gwWith(vars, "/v1/balance", { headers: rapid(user, "BASIC") });
    await expectError(balance, 429, "RATE_LIMITED");
    // The same subscriber on PRO is on PRO's limits (`big`).
    expect((await chatOn(vars, rapid(user, "PRO"))).status).toBe(200);
  });

  it("a subscriber's calls in flight count against the plan's concurrency; a failed call frees its slot", async () => {
    const user = `user-${crypto.randomUUID().slice(0, 12)}`;
    const vars = plans(1_000, 1);
    const stream = await chatOn(vars, rapid(user, "BASIC"), { stream: true });
    expect(stream.status).toBe(200);
    await expectError(await chatOn(vars, rapid(user, "BASIC")), 429, "RATE_LIMITED");
    await stream.text();
    await expect.poll(async () => (await chatOn(vars, rapid(user, "BASIC"))).status).toBe(200);
    // A call the provider fails costs nothing and leaves no marker behind.
    const failed = await chatOn(vars, rapid(user, "BASIC"), {
      messages: [{ role: "user", content: prompt("[[scenario:error:500]]").content }],
    });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    await expect.poll(async () => (await chatOn(vars, rapid(user, "BASIC"))).status).toBe(200);
  });
});

describe("the limiter's list of metered routes", () => {
  it("is exactly the routes whose contract can answer 402 (their hold counts them; no second step)", async () => {
    const doc = (await (await gw("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );
    const metered = operations.filter(({ op }) => "402" in op.responses).map(({ method, path }) => `${method} ${path}`);
    expect(metered.length).toBeGreaterThanOrEqual(5);
    for (const { method, path } of operations) {
      expect(isMetered(method, path), `${method} ${path}`).toBe(metered.includes(`${method} ${path}`));
    }
    expect(isMetered("POST", "/v1/chat/completions/")).toBe(true);
  });
});
