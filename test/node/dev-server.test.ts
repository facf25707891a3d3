import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "./helpers/wrangler-dev.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run must apt-get install chromium`);
  console.warn(`\n!!! SKIPPING the /docs browser test: ${CHROMIUM} not found (apt-get install -y chromium)\n`);
}

let server: DevServer;
let printed = "";

beforeAll(async () => {
  // What `npm run dev` does: the predev step writes and prints a key, then wrangler dev reads the file.
  const envFile = join(mkdtempSync(join(tmpdir(), "dev-vars-")), ".dev.vars");
  printed = execFileSync(
    process.execPath,
    [join(import.meta.dirname, "..", "..", "scripts", "dev-seed.mjs"), envFile],
    {
      encoding: "utf8",
    },
  );
  server = await startDevServer({ envFile });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe("npm run dev (wrangler dev on 127.0.0.1)", () => {
  it("answers /health", async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("prints a development key that works, holding 10,000 credits", async () => {
    const key = /(aib_[0-9A-Za-z]{32})/.exec(printed)?.[1] as string;
    expect(key).toBeTruthy();
    const res = await fetch(`${server.url}/v1/balance`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ credits: 10000, source: "key" });
  });

  it("answers /openapi.json", async () => {
    const res = await fetch(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { openapi: string }).openapi).toMatch(/^3\.0\./);
  });

  it.skipIf(!haveChromium)(
    "renders /docs in a browser that can reach nothing but the gateway",
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
      try {
        const page = await browser.newPage();
        const outside: string[] = [];
        await page.route("**/*", (route) => {
          const url = new URL(route.request().url());
          if (url.hostname === "127.0.0.1") return route.continue();
          outside.push(url.href);
          return route.abort();
        });
        const errors: string[] = [];
        page.on("pageerror", (error) => errors.push(error.message));
        await page.goto(`${server.url}/docs`);
        // The operation summary only appears once Scalar has fetched /openapi.json and rendered it.
        // Scalar renders the title and the tag names once it has fetched and parsed the document.
        for (const text of ["AI API Broker", "Account", "Keys", "Models", "System"]) {
          await page.getByText(text, { exact: true }).first().waitFor({ timeout: 30_000 });
        }
        if (process.env.DOCS_SCREENSHOT) await page.screenshot({ path: process.env.DOCS_SCREENSHOT, fullPage: false });
        expect(errors).toEqual([]);
        expect(outside.filter((href) => /\.(js|css|json)(\?|$)/.test(href))).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
