import type { Context } from "hono";
import { createRouter } from "../../lib/create-app.ts";
import { ApiError } from "../../lib/errors.ts";
import type { HonoEnv } from "../../lib/types.ts";

/**
 * The pages' own scripts, styles and nothing else: no inline script or style, no other origin.
 * `connect-src 'self'`: the pages call only this gateway's public API.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE_HEADERS: Record<string, string> = {
  "content-security-policy": PAGE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const ASSET_NAME = /^[a-z0-9-]+\.(?:js|css)$/;

const notFound = (c: Context<HonoEnv>) =>
  new ApiError("NOT_FOUND", `No route ${c.req.method} ${c.req.path}. The API reference is at /docs.`);

/** One asset, fetched from Workers static assets (ASSETS) under `assetPath`, with the page headers. */
async function serveAsset(c: Context<HonoEnv>, assetPath: string, cache: string): Promise<Response> {
  const url = new URL(assetPath, c.req.url);
  const res = await c.env.ASSETS.fetch(new Request(url, { method: c.req.method, headers: c.req.raw.headers }));
  if (res.status === 404) throw notFound(c);
  const headers = new Headers(res.headers);
  for (const [name, value] of Object.entries(PAGE_HEADERS)) headers.set(name, value);
  headers.set("cache-control", cache);
  return new Response(res.body, { status: res.status, headers });
}

// The HTML must not be cached: a deploy changes which scripts it names. Scripts may be cached briefly.
const HTML_CACHE = "no-store";
const ASSET_CACHE = "public, max-age=300";

/**
 * `GET /dashboard` (a key holder's page) and `GET /admin/dashboard` (the operator's) with their
 * scripts and styles under `/assets/`. Mounted before the admin middleware: the operator page
 * itself is public, the admin secret is typed into it and sent by its script to /admin/analytics.
 * Asset paths end in a slash: Workers assets would redirect `/x/index.html` to `/x/`.
 */
export const pagesRouter = createRouter()
  .get("/dashboard", (c) => serveAsset(c, "/dashboard/", HTML_CACHE))
  .get("/admin/dashboard", (c) => serveAsset(c, "/admin/", HTML_CACHE))
  .get("/assets/:file", (c) => {
    const file = c.req.param("file");
    // Only the pages' own scripts and stylesheet (a plain `:file` keeps the 404/405 matcher exact).
    if (!ASSET_NAME.test(file)) throw notFound(c);
    return serveAsset(c, `/assets/${file}`, ASSET_CACHE);
  });
