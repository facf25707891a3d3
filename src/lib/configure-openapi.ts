import { Scalar } from "@scalar/hono-api-reference";
import { fixNullable } from "./openapi-nullable.ts";
import type { AppOpenAPI } from "./types.ts";

export const API_TITLE = "AI API Broker";
export const API_VERSION = "0.1.0";

/** Paths that exist for operators and payment providers, not for API customers. */
const PRIVATE_PREFIXES = ["/admin", "/webhooks"];
const PRIVATE_SCHEMES = ["adminSecret"];

export type Audience = "public" | "admin";

type Document = ReturnType<AppOpenAPI["getOpenAPIDocument"]>;

/** The committed document's server; a running gateway serves its own origin instead (`withServer`). */
const PLACEHOLDER_SERVER = {
  url: "https://{host}",
  description: "Your deployment. The /openapi.json a deployment serves names its own origin here.",
  variables: { host: { default: "ai-api-broker.your-subdomain.workers.dev" } },
};

function registerSecuritySchemes(app: AppOpenAPI): void {
  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "Your API key: `Authorization: Bearer <key>`.",
  });
  registry.registerComponent("securitySchemes", "apiKeyHeader", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "Your API key, for clients that cannot set Authorization.",
  });
  registry.registerComponent("securitySchemes", "rapidApiProxySecret", {
    type: "apiKey",
    in: "header",
    name: "X-RapidAPI-Proxy-Secret",
    description: "Added by the RapidAPI proxy, with X-RapidAPI-User and X-RapidAPI-Subscription.",
  });
  registry.registerComponent("securitySchemes", "adminSecret", {
    type: "apiKey",
    in: "header",
    name: "X-Admin-Secret",
    description: "The operator's ADMIN_SECRET.",
  });
}

export function buildOpenAPIDocument(app: AppOpenAPI, audience: Audience): Document {
  const doc = app.getOpenAPIDocument({
    openapi: "3.0.3",
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description:
        "One API for chat, image, speech and music models from OpenAI, Anthropic, Google, ElevenLabs and Stability AI, metered in prepaid credits (1 credit = 1,000,000 micro-credits).",
    },
    servers: [PLACEHOLDER_SERVER],
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }, { rapidApiProxySecret: [] }],
    tags: [
      { name: "Chat", description: "Chat completions, metered in credits" },
      { name: "Images", description: "Image generation, metered in credits" },
      { name: "Audio", description: "Speech and music, metered in credits" },
      { name: "Account", description: "Balance and usage" },
      { name: "Keys", description: "Create, rotate and revoke your API keys" },
      { name: "Billing", description: "Buy credits with Stripe Checkout" },
      // Not "Models": Scalar lists the schemas under that title, so the sidebar showed it twice.
      { name: "Model catalog", description: "The models you can call, with their prices in credits" },
      { name: "System", description: "Liveness and API description" },
      ...(audience === "admin"
        ? [
            { name: "Admin", description: "Operator routes (X-Admin-Secret)" },
            { name: "Webhooks", description: "Signed events from payment providers" },
          ]
        : []),
    ],
  });
  if (audience === "admin") return fixNullable(doc) as Document;
  const paths = Object.fromEntries(
    Object.entries(doc.paths ?? {}).filter(([path]) => !PRIVATE_PREFIXES.some((p) => path.startsWith(p))),
  );
  const securitySchemes = Object.fromEntries(
    Object.entries(doc.components?.securitySchemes ?? {}).filter(([name]) => !PRIVATE_SCHEMES.includes(name)),
  );
  // Keep only the schemas the public paths reach, so admin and webhook shapes stay out too.
  const all = (doc.components?.schemas ?? {}) as Record<string, unknown>;
  const reached = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string" && value.startsWith("#/components/schemas/")) {
        const name = value.slice("#/components/schemas/".length);
        if (!reached.has(name)) {
          reached.add(name);
          visit(all[name]);
        }
      } else visit(value);
    }
  };
  visit(paths);
  const schemas = Object.fromEntries(Object.entries(all).filter(([name]) => reached.has(name)));
  return fixNullable({ ...doc, paths, components: { ...doc.components, schemas, securitySchemes } }) as Document;
}

const cache = new WeakMap<AppOpenAPI, Map<Audience, Document>>();

/** Generating the document walks every schema; do it once per app and audience. */
export function openAPIDocument(app: AppOpenAPI, audience: Audience): Document {
  let byAudience = cache.get(app);
  if (!byAudience) {
    byAudience = new Map();
    cache.set(app, byAudience);
  }
  let doc = byAudience.get(audience);
  if (!doc) {
    doc = buildOpenAPIDocument(app, audience);
    byAudience.set(audience, doc);
  }
  return doc;
}

/** The document as served: its server is the origin the client reached, so every example has a full URL. */
export function withServer(doc: Document, requestUrl: string): Document {
  return { ...doc, servers: [{ url: new URL(requestUrl).origin }] };
}

/** The one place that serves the API description: `/openapi.json` and Scalar at `/docs`. */
export function configureOpenAPI(app: AppOpenAPI): void {
  registerSecuritySchemes(app);
  app.get("/openapi.json", (c) => c.json(withServer(openAPIDocument(app, "public"), c.req.url)));
  app.get(
    "/docs",
    Scalar({
      url: "/openapi.json",
      pageTitle: `${API_TITLE} API reference`,
      favicon: "/favicon.ico",
      // The bundle comes from our own static assets, so the page renders with no CDN and no web fonts.
      cdn: "/docs/scalar.js",
      withDefaultFonts: false,
      hideClientButton: true,
      telemetry: false,
      // Hosted Scalar services (AI agent, MCP generator, dev toolbar) need the internet and a Scalar account.
      showDeveloperTools: "never",
      agent: { disabled: true },
      mcp: { disabled: true },
    }),
  );
  app.get("/docs/scalar.js", (c) => c.env.ASSETS.fetch(c.req.raw));
  app.get("/favicon.ico", (c) => c.env.ASSETS.fetch(c.req.raw));
}
