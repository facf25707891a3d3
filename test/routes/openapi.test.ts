import { exports } from "cloudflare:workers";
import createClient from "openapi-fetch";
import { describe, expect, it } from "vitest";
import committed from "../../openapi/openapi.json";
import type { paths } from "../../openapi/schema.d.ts";
import { ADMIN_SECRET, newAccount } from "../helpers/gateway.ts";

const base = "http://gateway.test";
const get = (path: string) => exports.default.fetch(`${base}${path}`);

type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { examples?: object; schema?: object }> }>;
};

type Schema = {
  $ref?: string;
  format?: string;
  example?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
};

/** True when the schema, or a schema it is built from, carries an example. A file (binary) has none to show. */
function hasExample(schema: Schema | undefined, seen = new Set<string>()): boolean {
  if (!schema) return false;
  if (schema.format === "binary") return true;
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop() as string;
    if (seen.has(name)) return false;
    seen.add(name);
    return hasExample((committed.components.schemas as Record<string, Schema>)[name], seen);
  }
  if (schema.example !== undefined) return true;
  const parts = [
    ...Object.values(schema.properties ?? {}),
    ...(schema.items ? [schema.items] : []),
    ...(schema.allOf ?? []),
    ...(schema.anyOf ?? []),
    ...(schema.oneOf ?? []),
  ];
  return parts.some((part) => hasExample(part, seen));
}

describe("GET /openapi.json", () => {
  it("serves OpenAPI 3.0.x, identical to the committed openapi/openapi.json but for its server", async () => {
    const res = await get("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as typeof committed;
    expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
    expect({ ...doc, servers: committed.servers }).toEqual(committed);
    expect(committed.servers.length).toBeGreaterThan(0);
  });

  it("names the origin it was fetched from as its server, so examples and clients have a full URL", async () => {
    const here = (await (await get("/openapi.json")).json()) as typeof committed;
    expect(here.servers).toEqual([{ url: base }]);
    const there = await exports.default.fetch("https://broker.example.org:8443/openapi.json");
    expect(((await there.json()) as typeof committed).servers).toEqual([{ url: "https://broker.example.org:8443" }]);
    const admin = await exports.default.fetch(`${base}/admin/openapi.json`, {
      headers: { "x-admin-secret": ADMIN_SECRET },
    });
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as typeof committed).servers).toEqual([{ url: base }]);
  });

  it("has no tag named like Scalar's schema section ('Models'), and declares every tag it uses", async () => {
    const doc = (await (await get("/openapi.json")).json()) as {
      tags: { name: string }[];
      paths: Record<string, Record<string, Operation>>;
    };
    const declared = doc.tags.map((tag) => tag.name);
    expect(declared).not.toContain("Models");
    const used = Object.values(doc.paths).flatMap((methods) => Object.values(methods).flatMap((op) => op.tags ?? []));
    for (const tag of used) expect(declared).toContain(tag);
  });

  it("gives path parameter examples a generated client can send as they are", async () => {
    const { key } = await newAccount();
    const doc = committed as unknown as {
      paths: Record<string, { get?: { parameters?: { in: string; name: string; schema: { example?: string } }[] } }>;
    };
    const example = doc.paths["/v1/models/{id}"]?.get?.parameters?.find((p) => p.in === "path")?.schema.example;
    expect(example).toBeTruthy();
    const client = createClient<paths>({ baseUrl: base, fetch: (request) => exports.default.fetch(request) });
    const { data, response } = await client.GET("/v1/models/{id}", {
      params: { path: { id: example as string } },
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(200);
    expect(data?.id).toBe("openai/gpt-4o-mini");
  });

  it("documents every operation with id, summary, tags, examples and error responses", async () => {
    const doc = (await (await get("/openapi.json")).json()) as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.length).toBeGreaterThan(0);
    const ids = new Set<string>();
    for (const { where, op } of operations) {
      expect(op.operationId, where).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(ids.has(op.operationId ?? ""), `${where} operationId is unique`).toBe(false);
      ids.add(op.operationId ?? "");
      expect(op.summary, where).toBeTruthy();
      expect(op.tags?.length, where).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(op.responses).filter(([s]) => Number(s) < 400)) {
        for (const [type, content] of Object.entries(response.content ?? {})) {
          expect(hasExample(content.schema), `${where} ${status} ${type} example`).toBe(true);
        }
      }
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.length, `${where} error responses`).toBeGreaterThan(0);
      // Redocly's operation-4xx-response is off for GET /health alone (redocly.yaml); this keeps it for the rest.
      if (op.operationId !== "getHealth") {
        expect(
          errors.some(([status]) => status.startsWith("4")),
          `${where} 4xx`,
        ).toBe(true);
      }
      for (const [status, response] of errors) {
        const json = response.content?.["application/json"];
        expect(json?.schema, `${where} ${status}`).toEqual({ $ref: "#/components/schemas/Error" });
        expect(Object.keys(json?.examples ?? {}).length, `${where} ${status} examples`).toBeGreaterThan(0);
      }
    }
  });

  it("documents 429 RATE_LIMITED on every authenticated /v1 operation (the limiter counts them all)", async () => {
    const doc = (await (await get("/openapi.json")).json()) as { paths: Record<string, Record<string, Operation>> };
    const limited = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/v1/"))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, op })),
      )
      .filter(({ op }) => (op.security ?? []).length > 0);
    expect(limited.length).toBeGreaterThan(10);
    for (const { where, op } of limited) {
      const examples = op.responses["429"]?.content?.["application/json"]?.examples ?? {};
      expect(Object.keys(examples), where).toContain("RATE_LIMITED");
    }
  });

  it("declares bearer, X-API-Key and RapidAPI proxy-secret security, and nothing admin-only", async () => {
    const doc = (await (await get("/openapi.json")).json()) as {
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, { type: string; scheme?: string; name?: string }> };
    };
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { type: "http", scheme: "bearer" },
      apiKeyHeader: { type: "apiKey", name: "X-API-Key" },
      rapidApiProxySecret: { type: "apiKey", name: "X-RapidAPI-Proxy-Secret" },
    });
    expect(doc.components.securitySchemes.adminSecret).toBeUndefined();
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/admin") || p.startsWith("/webhooks"))).toEqual([]);
    expect(JSON.stringify(doc)).not.toMatch(/"\$ref":"(?!#)/);
    // admin-only shapes stay out of the public components too
    const schemas = Object.keys((doc.components as { schemas?: object }).schemas ?? {});
    expect(schemas).not.toContain("Grant");
    expect(schemas).not.toContain("AddCreditsRequest");
    expect(schemas).toContain("ApiKey");
  });
});

describe("audio in the document", () => {
  it("documents speech and music answers as files, in audio content types, with the credit headers", () => {
    const doc = committed as unknown as {
      paths: Record<
        string,
        { post: { responses: Record<string, { headers?: object; content: Record<string, { schema: Schema }> }> } }
      >;
    };
    const speech = doc.paths["/v1/audio/speech"]?.post.responses["200"];
    const music = doc.paths["/v1/audio/music"]?.post.responses["200"];
    expect(Object.keys(speech?.content ?? {})).toEqual([
      "audio/mpeg",
      "audio/opus",
      "audio/aac",
      "audio/flac",
      "audio/wav",
      "audio/pcm",
    ]);
    expect(Object.keys(music?.content ?? {})).toEqual(["audio/mpeg", "audio/wav"]);
    for (const answer of [speech, music]) {
      for (const { schema } of Object.values(answer?.content ?? {})) {
        expect(schema).toMatchObject({ type: "string", format: "binary" });
      }
      expect(answer?.headers).toHaveProperty("x-credits-charged");
      expect(answer?.headers).toHaveProperty("x-credits-remaining");
    }
  });
});

describe("GET /docs", () => {
  it("serves the Scalar page, loading its script from our own assets", async () => {
    const res = await get("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<script src="/docs/scalar.js"');
    expect(html).toContain('"url": "/openapi.json"');
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
    expect(html).not.toContain("cdn.jsdelivr.net");
  });

  it("serves the bundle itself from Workers static assets", async () => {
    const res = await get("/docs/scalar.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const body = await res.text();
    expect(body.length).toBeGreaterThan(1_000_000);
    expect(body).toContain("createApiReference");
  });

  it("serves a favicon from static assets and names it in the page, so the browser asks for nothing missing", async () => {
    const res = await get("/favicon.ico");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^image\//);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 4)]).toEqual([0, 0, 1, 0]);
    expect(await (await get("/docs")).text()).toContain('"favicon": "/favicon.ico"');
  });

  it("redirects / to /docs", async () => {
    const res = await exports.default.fetch(`${base}/`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/docs");
  });
});

describe("generated client (openapi-typescript + openapi-fetch)", () => {
  it("calls /health with types from openapi/schema.d.ts", async () => {
    const client = createClient<paths>({ baseUrl: base, fetch: (request) => exports.default.fetch(request) });
    const { data, error, response } = await client.GET("/health");
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    const status: "ok" | undefined = data?.status;
    expect(status).toBe("ok");
  });
});
