import { env } from "cloudflare:test";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/lib/create-app.ts";
import { authenticate } from "../../src/middleware/auth.ts";
import { modelsRouter } from "../../src/routes/models/models.index.ts";
import { BASE, bearer, expectError, gw, newAccount, rapid } from "../helpers/gateway.ts";
import { securitySuite } from "../helpers/security.ts";

type Model = {
  id: string;
  object: string;
  created: number;
  owned_by: string;
  kind: string;
  pricing: Record<string, number>;
  long_prompt_pricing: { above_input_tokens: number; pricing: Record<string, number> }[];
  shutdown_date: string | null;
  replacement: string | null;
  max_output_tokens: number | null;
  max_input_characters: number | null;
};

async function models(key: string): Promise<Model[]> {
  const res = await gw("/v1/models", { headers: bearer(key) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { object: string; data: Model[] };
  expect(body.object).toBe("list");
  return body.data;
}

/** GET /v1/models through the real middleware and router, with the services' clock set to `iso`. */
async function modelsOn(key: string, iso: string): Promise<Model[]> {
  const app = createApp();
  app.use("*", async (c, next) => {
    c.set("services", { ...c.var.services, now: () => Date.parse(iso) });
    await next();
  });
  app.use("/v1/*", authenticate());
  app.route("/", modelsRouter);
  const res = await app.request(`${BASE}/v1/models`, { headers: bearer(key) }, env);
  return ((await res.json()) as { data: Model[] }).data;
}

describe("GET /v1/models", () => {
  it("lists chat, image, speech and music models with prices in credits", async () => {
    const { key } = await newAccount();
    const data = await models(key);
    const mini = data.find((m) => m.id === "openai/gpt-4o-mini");
    // $0.15 / $0.075 / $0.60 per 1M tokens x 1.8 / $0.01 per credit
    expect(mini).toMatchObject({
      object: "model",
      owned_by: "openai",
      kind: "chat",
      max_output_tokens: 16384,
      pricing: { input_per_1m_tokens: 27, cached_input_per_1m_tokens: 13.5, output_per_1m_tokens: 108 },
      shutdown_date: "2027-01-14",
    });
    expect(mini?.replacement).toMatch(/^openai\//);
    expect(new Set(data.map((m) => m.kind))).toEqual(new Set(["chat", "image", "speech", "music"]));
    expect(new Set(data.map((m) => m.owned_by))).toEqual(
      new Set(["openai", "anthropic", "google", "elevenlabs", "stability"]),
    );
    expect(data.find((m) => m.id === "stability/stable-audio-2.5")?.pricing).toEqual({ clips_per_clip: 36 });
    expect(data.find((m) => m.id === "elevenlabs/eleven_multilingual_v2")?.pricing).toEqual({
      characters_per_1k_characters: 18,
    });
    // $5 / $8 / $30 per 1M tokens x 180 credits per USD
    expect(data.find((m) => m.id === "openai/gpt-image-2.6-sunburst")?.pricing).toMatchObject({
      input_per_1m_tokens: 900,
      image_input_per_1m_tokens: 1440,
      image_output_per_1m_tokens: 5400,
    });
    expect(data.find((m) => m.id === "stability/stable-image-core")?.pricing).toEqual({ images_per_image: 5.4 });
  });

  it("gives speech models their input limit in characters, and other models none", async () => {
    const { key } = await newAccount();
    const data = await models(key);
    const limit = (id: string) => data.find((m) => m.id === id)?.max_input_characters;
    expect(limit("openai/tts-1")).toBe(4096);
    expect(limit("elevenlabs/eleven_flash_v2_5")).toBe(40_000);
    expect(limit("elevenlabs/eleven_multilingual_v2")).toBe(10_000);
    expect(limit("openai/gpt-4o-mini")).toBeNull();
    for (const model of data.filter((m) => m.kind === "speech"))
      expect(model.max_input_characters, model.id).toBeGreaterThan(0);
  });

  it("leaves out models past their shutdown date", async () => {
    const { key } = await newAccount();
    const ids = (await models(key)).map((m) => m.id);
    expect(ids).not.toContain("openai/gpt-4.1-nano");
    expect(ids).not.toContain("openai/dall-e-3");
  });

  it("drops a model on its shutdown day", async () => {
    const { key } = await newAccount();
    const list = async (iso: string) => (await modelsOn(key, iso)).map((m) => m.id);
    expect(await list("2026-12-10T23:59:59Z")).toContain("openai/gpt-5");
    expect(await list("2026-12-11T00:00:00Z")).not.toContain("openai/gpt-5");
  });

  it("shows dated prices as of the day asked, and long-prompt tiers", async () => {
    const { key } = await newAccount();
    const data = await modelsOn(key, "2026-11-30T12:00:00Z");
    const flash = data.find((m) => m.id === "google/gemini-3.7-flash");
    expect(flash?.pricing.input_per_1m_tokens).toBe(135); // $0.75 until 2026-12-31
    const later = (await modelsOn(key, "2027-01-01T00:00:00Z")).find((m) => m.id === "google/gemini-3.7-flash");
    expect(later?.pricing.input_per_1m_tokens).toBe(270); // $1.50 from 2027-01-01
    const pro = data.find((m) => m.id === "google/gemini-2.5-pro");
    expect(pro?.long_prompt_pricing[0]).toMatchObject({
      above_input_tokens: 200_000,
      pricing: { input_per_1m_tokens: 450 },
    });
  });

  it("works for RapidAPI subscribers and through the official openai SDK", async () => {
    expect((await gw("/v1/models", { headers: rapid("sdk-user") })).status).toBe(200);
    const { key } = await newAccount();
    const client = new OpenAI({
      apiKey: key,
      baseURL: `${BASE}/v1`,
      fetch: (input, init) => gw(new URL(String(input)).pathname, init),
    });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain("openai/gpt-4o-mini");
    const one = await client.models.retrieve("openai/gpt-4o-mini");
    expect(one.id).toBe("openai/gpt-4o-mini");
  });
});

describe("GET /v1/models/{id}", () => {
  it("answers one model, by encoded or plain provider/model path, or by bare id", async () => {
    const { key } = await newAccount();
    for (const path of ["/v1/models/openai%2Fgpt-4o-mini", "/v1/models/openai/gpt-4o-mini", "/v1/models/gpt-4o-mini"]) {
      const res = await gw(path, { headers: bearer(key) });
      expect(res.status, path).toBe(200);
      expect(((await res.json()) as Model).id).toBe("openai/gpt-4o-mini");
    }
  });

  it("404 MODEL_NOT_FOUND pointing to /v1/models", async () => {
    const { key } = await newAccount();
    const error = await expectError(
      await gw("/v1/models/openai%2Fgpt-nothing", { headers: bearer(key) }),
      404,
      "MODEL_NOT_FOUND",
    );
    expect(error.message).toContain("/v1/models");
  });

  it("410 MODEL_RETIRED naming the replacement", async () => {
    const { key } = await newAccount();
    const error = await expectError(
      await gw("/v1/models/openai/gpt-4.1-nano", { headers: bearer(key) }),
      410,
      "MODEL_RETIRED",
    );
    expect(error.message).toMatch(/shut down on 2026-10-23\. Use 'openai\/[\w.-]+' instead\./);
    expect(error.type).toBe("invalid_request_error");
  });
});

securitySuite("models", "customer", [
  { method: "GET", path: "/v1/models" },
  { method: "GET", path: "/v1/models/openai%2Fgpt-4o-mini" },
]);
