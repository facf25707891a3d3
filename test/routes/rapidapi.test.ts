import { describe, expect, it } from "vitest";
import { admin, expectError, gw, json, rapid } from "../helpers/gateway.ts";

const BILLING = "x-rapidapi-billing";
const user = () => `user-${crypto.randomUUID().slice(0, 12)}`;
const ceilCredits = (micros: number) => Math.ceil(micros / 1_000_000);

/** The credits an answer bills, from `X-RapidAPI-Billing: Credits=N`. */
function billed(res: Response): number {
  const header = res.headers.get(BILLING);
  expect(header, "every RapidAPI answer says what it bills").toMatch(/^Credits=\d+$/);
  return Number((header as string).slice("Credits=".length));
}

type Entry = { reason: string; amount_micros: number; request_id: string | null };

/** Everything the subscriber's calls cost so far, from its ledger (after in-flight accruals land). */
async function accrued(name: string, calls: number): Promise<{ micros: number; entries: Entry[] }> {
  for (let tries = 0; ; tries++) {
    const res = await gw("/v1/usage?limit=100", { headers: rapid(name) });
    const entries = ((await res.json()) as { data: Entry[] }).data.filter((e) => e.reason === "usage");
    if (entries.length >= calls || tries > 100) {
      return { micros: entries.reduce((sum, e) => sum - e.amount_micros, 0), entries };
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

const chat = (name: string, body: Record<string, unknown>) =>
  gw("/v1/chat/completions", json({ messages: [{ role: "user", content: "Say hi" }], ...body }, rapid(name)));

describe("RapidAPI metering: X-RapidAPI-Billing", () => {
  it("bills, after every answer, the exact cost so far rounded up once (a stream: up to the call before it)", async () => {
    const name = user();
    const kinds: (() => Promise<Response>)[] = [
      () => chat(name, { model: "openai/gpt-4o-mini" }),
      () => chat(name, { model: "anthropic/claude-haiku-4-5" }),
      () => chat(name, { model: "openai/gpt-4o-mini", stream: true }),
      () => chat(name, { model: "google/gemini-3.1-pro-preview" }),
      () =>
        gw(
          "/v1/images/generations",
          json({ model: "stability/stable-image-core", prompt: "a lighthouse", size: "1024x1024" }, rapid(name)),
        ),
      () => gw("/v1/audio/speech", json({ model: "openai/tts-1", input: "Hello there", voice: "alloy" }, rapid(name))),
      () =>
        gw("/v1/audio/music", json({ model: "stability/stable-audio-2.5", prompt: "rain", duration: 5 }, rapid(name))),
      () => chat(name, { model: "anthropic/claude-haiku-4-5", stream: true }),
      () => chat(name, { model: "openai/gpt-4o-mini" }),
    ];
    // 30 calls of varying size and kind: every kind three times, then three more chats.
    const calls = [...kinds, ...kinds, ...kinds, ...kinds.slice(0, 30 - 3 * kinds.length)];
    expect(calls).toHaveLength(30);
    let sum = 0;
    for (const [i, call] of calls.entries()) {
      const before = (await accrued(name, i)).micros;
      const res = await call();
      const text = await res.text();
      expect(res.status, text).toBe(200);
      sum += billed(res);
      const after = (await accrued(name, i + 1)).micros;
      const streamed = res.headers.get("content-type")?.startsWith("text/event-stream");
      // A stream's header covers what was owed before it; its own cost is billed by the next answer.
      expect(sum).toBe(ceilCredits(streamed ? before : after));
    }
    const { micros, entries } = await accrued(name, calls.length);
    expect(entries).toHaveLength(calls.length);

    const balance = (await (await gw("/v1/balance", { headers: rapid(name) })).json()) as Record<string, unknown>;
    expect(balance).toMatchObject({ credits: null, source: "rapidapi", plan: "pro", accrued_micros: micros });
    expect(balance.unbilled_micros).toBe(micros - sum * 1_000_000);

    const today = new Date().toISOString().slice(0, 10);
    const report = await gw(`/admin/rapidapi/usage?user=${name}&from=${today}&to=${today}`, { headers: admin() });
    expect(await report.json()).toMatchObject({
      account_id: `rapidapi:${name}`,
      totals: { calls: calls.length, accrued_micros: micros, billed_credits: sum },
    });
  });

  it("a stream bills nothing at its end (its answer has gone out): its whole cost is owed, and the next answer bills it", async () => {
    const name = user();
    // A fresh subscriber's first call is a stream: nothing owed before it, so its header bills 0.
    const stream = await chat(name, { model: "openai/gpt-4o-mini", stream: true });
    await stream.text();
    expect(billed(stream)).toBe(0);
    const { micros } = await accrued(name, 1);
    expect(micros).toBeGreaterThan(0);
    const owed = (await (await gw("/v1/balance", { headers: rapid(name) })).json()) as Record<string, unknown>;
    expect(owed).toMatchObject({ accrued_micros: micros, unbilled_micros: micros });
    const next = await chat(name, { model: "openai/gpt-4o-mini" });
    await next.text();
    const after = await accrued(name, 2);
    expect(billed(next)).toBe(ceilCredits(after.micros));
  });

  it("50 concurrent calls from one subscriber bill every µcr exactly once", async () => {
    const name = user();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => chat(name, { model: "anthropic/claude-haiku-4-5" })),
    );
    const sum = answers.reduce((total, res) => total + billed(res), 0);
    expect(answers.every((res) => res.status === 200)).toBe(true);
    expect(sum).toBe(ceilCredits((await accrued(name, 50)).micros));
  });

  it("an upstream failure answers 5xx and bills nothing; refusals before the upstream bill 0", async () => {
    const name = user();
    const failed = await chat(name, {
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: "[[scenario:error:500]]" }],
    });
    await expectError(failed.clone(), 502, "PROVIDER_ERROR");
    expect(billed(failed)).toBe(0);
    expect(billed(await chat(name, { model: "openai/nope" }))).toBe(0); // 404
    expect(billed(await chat(name, { model: "openai/gpt-4.1-nano" }))).toBe(0); // 410
    expect(billed(await chat(name, { model: "openai/gpt-4o-mini", messages: [] }))).toBe(0); // 400
    expect((await accrued(name, 0)).entries).toEqual([]);
  });

  it("subscribers cannot manage keys or buy credits, and RapidAPI's rate-limit headers stay RapidAPI's", async () => {
    const name = user();
    for (const res of [
      await gw("/v1/keys", { headers: rapid(name) }),
      await gw("/v1/billing/checkout", json({ credits: 1000 }, rapid(name))),
    ]) {
      await expectError(res.clone(), 403, "FORBIDDEN");
      expect(billed(res)).toBe(0);
    }
    const res = await chat(name, { model: "openai/gpt-4o-mini" });
    expect(res.status).toBe(200);
    expect([...res.headers.keys()].filter((h) => h.startsWith("x-ratelimit-"))).toEqual([]);
  });

  it("a report names the field of a bad date range", async () => {
    const res = await gw(`/admin/rapidapi/usage?user=${user()}&from=2026-11-30&to=2026-11-01`, { headers: admin() });
    expect((await expectError(res, 400, "INVALID_REQUEST")).param).toBe("to");
  });
});

describe("the public OpenAPI document imports into RapidAPI as it is", () => {
  it("is 3.0.x with only local $refs, no admin or webhook routes, and the proxy headers documented", async () => {
    const doc = (await (await gw("/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, { name?: string; description?: string }> };
    };
    expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]*)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((ref) => !ref.startsWith("#/components/"))).toEqual([]);
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/admin") || p.startsWith("/webhooks"))).toEqual([]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      "apiKeyHeader",
      "bearerAuth",
      "rapidApiProxySecret",
    ]);
    const proxy = doc.components.securitySchemes.rapidApiProxySecret;
    expect(proxy?.name).toBe("X-RapidAPI-Proxy-Secret");
    expect(proxy?.description).toMatch(/X-RapidAPI-User/);
    expect(proxy?.description).toMatch(/X-RapidAPI-Subscription/);
  });
});
