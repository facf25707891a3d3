import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeStripe, startFakeStripe } from "../fakes/stripe.ts";
import { type FakeUpstream, startFakeUpstream } from "../fakes/upstream.ts";
import { type DevServer, startDevServer } from "./helpers/wrangler-dev.ts";

/**
 * /dashboard in real Chromium against the real Worker (wrangler dev), the fake OpenAI and the fake
 * Stripe: what a key holder sees and does, end to end.
 */
const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run must apt-get install chromium`);
  console.warn(`\n!!! SKIPPING the /dashboard browser tests: ${CHROMIUM} not found (apt-get install -y chromium)\n`);
}

const SCREENSHOT = join(import.meta.dirname, "..", "..", "docs", "screenshots", "dashboard.png");
const ADMIN_SECRET = `dash-admin-${crypto.randomUUID()}`;
const STRIPE_KEY = "sk_test_dashboardfakekey000000000000";
/** Each test's own key and account, granted 500 credits: no test sees another's ledger or rate limit. */
let KEY = "";
const today = () => new Date().toISOString().slice(0, 10);

let openai: FakeUpstream;
let stripe: FakeStripe;
let gateway: DevServer;
let browser: Browser;

async function grant(apiKey: string, credits: number) {
  const res = await fetch(`${gateway.url}/admin/add-credits`, {
    method: "POST",
    headers: {
      "x-admin-secret": ADMIN_SECRET,
      "content-type": "application/json",
      "idempotency-key": crypto.randomUUID(),
    },
    body: JSON.stringify({ apiKey, credits }),
  });
  expect(res.status).toBe(200);
}

const balanceStatus = async (key: string) =>
  (await fetch(`${gateway.url}/v1/balance`, { headers: { authorization: `Bearer ${key}` } })).status;

/** A browser tab that may reach the gateway and nothing else (a Stripe checkout page is faked). */
async function newPage(
  options: { width?: number; height?: number } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1100, height: options.height ?? 900 },
    acceptDownloads: true,
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gateway.url });
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1") return route.continue();
    if (url.hostname === "checkout.stripe.com") {
      return route.fulfill({ status: 200, contentType: "text/html", body: "<title>Fake Stripe Checkout</title>Pay" });
    }
    return route.abort();
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, errors };
}

async function chat(key: string): Promise<Response> {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: `Say hi ${crypto.randomUUID()}` }],
    }),
  });
  expect(res.status).toBe(200);
  await res.text();
  return res;
}

/** Runs a browser-side expression (the Node project has no DOM types). */
const inPage = <T>(page: Page, expression: string) => page.evaluate(expression) as Promise<T>;

async function signIn(page: Page, key: string) {
  await page.goto(`${gateway.url}/dashboard`);
  await page.getByLabel("API key", { exact: true }).fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#app").waitFor({ state: "visible" });
}

describe.skipIf(!haveChromium)("/dashboard in Chromium (wrangler dev)", () => {
  beforeAll(async () => {
    openai = await startFakeUpstream("openai");
    stripe = await startFakeStripe(STRIPE_KEY);
    gateway = await startDevServer({
      vars: {
        ADMIN_SECRET,
        OPENAI_API_KEY: "sk-fake-gateway-key",
        OPENAI_BASE_URL: `${openai.url}/v1`,
        STRIPE_SECRET_KEY: STRIPE_KEY,
        STRIPE_WEBHOOK_SECRET: "whsec_dashboardfakesecret0000000000",
        STRIPE_BASE_URL: stripe.url,
      },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  }, 120_000);

  beforeEach(async () => {
    KEY = `aib_dash${crypto.randomUUID().replaceAll("-", "")}`;
    await grant(KEY, 500);
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await stripe?.close();
    await openai?.close();
  });

  it("is served with a strict Content-Security-Policy and no inline script", async () => {
    const res = await fetch(`${gateway.url}/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const html = await res.text();
    // Every script is an external file of this origin.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/assets/dashboard.js">']);
    for (const asset of ["/assets/dashboard.js", "/assets/common.js", "/assets/chart.js", "/assets/app.css"]) {
      const file = await fetch(`${gateway.url}${asset}`);
      expect(file.status, asset).toBe(200);
      await file.arrayBuffer();
    }
    expect((await fetch(`${gateway.url}/assets/missing.js`)).status).toBe(404);
  });

  it("with the keyboard: Tab reaches the key field and the submit button; the balance shows; sign out forgets the key", async () => {
    const { context, page, errors } = await newPage();
    try {
      await page.goto(`${gateway.url}/dashboard`);
      let focused = "";
      for (let i = 0; i < 10 && focused !== "api-key"; i++) {
        await page.keyboard.press("Tab");
        focused = await inPage<string>(page, "document.activeElement?.id ?? ''");
      }
      expect(focused).toBe("api-key");
      await page.keyboard.type(KEY);
      await page.keyboard.press("Tab");
      expect(await inPage<string>(page, "document.activeElement?.id")).toBe("signin-submit");
      await page.keyboard.press("Enter");
      await expect.poll(() => page.locator("#balance").textContent()).toBe("500.00");
      expect(await inPage<string | null>(page, "sessionStorage.getItem('aib.dashboard.apiKey')")).toBe(KEY);
      // Signing in ends by moving focus to the main region (after the usage and keys load): wait
      // for it, or a Tab pressed earlier has its focus taken back.
      await expect.poll(() => inPage<string>(page, "document.activeElement?.id ?? ''")).toBe("main");
      // The focus ring is drawn for keyboard users.
      let tag = "";
      for (let i = 0; i < 5 && tag !== "BUTTON" && tag !== "A"; i++) {
        await page.keyboard.press("Tab");
        tag = await inPage<string>(page, "document.activeElement?.tagName ?? ''");
      }
      const outline = await inPage<string>(page, "getComputedStyle(document.activeElement).outlineStyle");
      expect(outline).toBe("solid");

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("API key", { exact: true }).waitFor({ state: "visible" });
      expect(await inPage<number>(page, "sessionStorage.length")).toBe(0);
      expect(await page.locator("#app").isHidden()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("a wrong key is refused with a clear message; a store outage offers a retry", async () => {
    const { context, page, errors } = await newPage();
    try {
      await page.goto(`${gateway.url}/dashboard`);
      await page.getByLabel("API key", { exact: true }).fill("aib_thiskeydoesnotexist00000000000");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => page.getByRole("alert").textContent()).toContain("This key was not accepted");
      expect(await page.locator("#app").isHidden()).toBe(true);
      expect(await inPage<number>(page, "sessionStorage.length")).toBe(0);

      // The store down: the gateway's own 503 envelope, answered in the browser for this one call.
      await page.route("**/v1/balance", (route) =>
        route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({
            error: { message: "The account store is unavailable.", type: "api_error", code: "STORE_UNAVAILABLE" },
          }),
        }),
      );
      await page.getByLabel("API key", { exact: true }).fill(KEY);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => page.getByRole("alert").textContent()).toContain("retry in a moment");
      expect(await page.locator("#app").isHidden()).toBe(true);
      // Once the store is back, the same key signs in.
      await page.unroute("**/v1/balance");
      await page.getByRole("alert").getByRole("button", { name: "Retry" }).click();
      await page.locator("#app").waitFor({ state: "visible" });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("a chat call shows in the usage table, in today's bar after a reload, and in the CSV export", async () => {
    const { context, page, errors } = await newPage();
    try {
      await signIn(page, KEY);
      const answer = await chat(KEY);
      const requestId = answer.headers.get("x-request-id") as string;
      const charged = answer.headers.get("x-credits-charged") as string;
      expect(Number(charged)).toBeGreaterThan(0);

      await page.reload();
      await page.locator("#app").waitFor({ state: "visible" });
      const row = page.locator("#usage-table tbody tr", { hasText: requestId });
      await row.waitFor();
      expect(await row.textContent()).toContain(`−${charged}`);
      const remaining = (500_000_000 - Math.round(Number(charged) * 1_000_000)) / 1_000_000;
      await expect
        .poll(() => page.locator("#balance").textContent())
        .toBe(remaining.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 6 }));

      const bar = page.locator(`#chart g.bars rect[data-label="${today()}"]`);
      expect(Number(await bar.getAttribute("height"))).toBeGreaterThan(0);
      expect(await bar.locator("title").textContent()).toBe(`${today()}: Credits spent ${charged}`);
      // Yesterday had no calls: no bar.
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      expect(Number(await page.locator(`#chart g.bars rect[data-label="${yesterday}"]`).getAttribute("height"))).toBe(
        0,
      );
      expect(await page.locator("#chart svg").getAttribute("role")).toBe("img");
      expect(await page.locator(`#chart g.line circle[data-label="${today()}"]`).getAttribute("data-value")).toBe("1");

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Export CSV" }).click(),
      ]);
      const csv = readFileSync((await download.path()) as string, "utf8").split("\r\n");
      expect(csv[0]).toBe(
        "id,created_at,reason,amount_micros,credits,balance_after_micros,provider,model,request_id,reference,usage",
      );
      const line = csv.find((l) => l.includes(requestId)) as string;
      expect(line).toContain(`,usage,-${Math.round(Number(charged) * 1_000_000)},-${Number(charged).toFixed(6)},`);
      expect(csv.some((l) => l.includes(",admin_grant,500000000,500.000000,"))).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("the usage table pages with next_cursor", async () => {
    const key = `aib_page${crypto.randomUUID().replaceAll("-", "")}`;
    // 22 grants: one more page than the 20 entries a page shows.
    for (let i = 0; i < 22; i++) await grant(key, i + 1);
    const { context, page, errors } = await newPage();
    try {
      await signIn(page, key);
      const rows = page.locator("#usage-table tbody tr");
      await expect.poll(() => rows.count()).toBe(20);
      await page.getByRole("button", { name: "Load older entries" }).click();
      await expect.poll(() => rows.count()).toBe(22);
      expect(await page.getByRole("button", { name: "Load older entries" }).isHidden()).toBe(true);
      // The oldest entry, the first grant of 1 credit, is on the second page.
      expect(await rows.last().textContent()).toContain("+1.00");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("keys: create shows the secret once with a copy button, rotate and revoke ask for confirmation", async () => {
    const { context, page, errors } = await newPage();
    try {
      await signIn(page, KEY);
      await page.getByLabel("New key name").fill("browser-ci");
      await page.getByRole("button", { name: "Create key" }).click();
      const secret = page.locator("[data-testid=secret]");
      await expect.poll(() => secret.textContent()).toMatch(/^aib_/);
      const created = (await secret.textContent()) as string;
      expect(await balanceStatus(created)).toBe(200);
      await page.getByRole("button", { name: "Copy" }).click();
      expect(await inPage<string>(page, "navigator.clipboard.readText()")).toBe(created);
      await page.getByRole("button", { name: "Done" }).click();
      expect(await secret.isHidden()).toBe(true);
      expect(await page.locator("body").textContent()).not.toContain(created);
      const row = page.locator("#keys-table tbody tr", { hasText: "browser-ci" });
      await row.waitFor();
      expect(await row.textContent()).toContain(`${created.slice(0, 8)}`);

      // Rotate: cancelled first (nothing changes), then confirmed.
      await row.getByRole("button", { name: "Rotate key browser-ci" }).click();
      const dialog = page.locator("dialog#confirm");
      await dialog.waitFor({ state: "visible" });
      expect(await dialog.textContent()).toContain("stops working at once");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "hidden" });
      expect(await balanceStatus(created)).toBe(200);
      await row.getByRole("button", { name: "Rotate key browser-ci" }).click();
      await dialog.getByRole("button", { name: "Rotate key" }).click();
      await expect.poll(() => secret.textContent()).not.toBe("");
      const rotated = (await secret.textContent()) as string;
      expect(rotated).toMatch(/^aib_/);
      expect(rotated).not.toBe(created);
      expect(await balanceStatus(created)).toBe(401);
      expect(await balanceStatus(rotated)).toBe(200);

      await row.getByRole("button", { name: "Revoke key browser-ci" }).click();
      await dialog.waitFor({ state: "visible" });
      expect(await dialog.textContent()).toContain("cannot be undone");
      await dialog.getByRole("button", { name: "Revoke key" }).click();
      await expect.poll(() => row.textContent()).toContain("revoked");
      expect(await balanceStatus(rotated)).toBe(401);
      expect(await row.getByRole("button").count()).toBe(0);
      // The session's own key still works.
      expect(await page.locator("#app").isVisible()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("buy credits: Stripe Checkout is created for the credits and the browser lands on its URL", async () => {
    const { context, page, errors } = await newPage();
    try {
      await signIn(page, KEY);
      await page.getByLabel("Credits", { exact: true }).fill("1500");
      await Promise.all([
        page.waitForURL(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/),
        page.getByRole("button", { name: "Pay with card (Stripe)" }).click(),
      ]);
      const session = stripe.requests.filter((r) => r.path === "/v1/checkout/sessions").at(-1);
      expect(session?.form).toMatchObject({
        mode: "payment",
        line_items: [{ quantity: "1", price_data: { unit_amount: "1500" } }],
      });
      expect(page.url()).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_[0-9a-f]+$/);
      // Stripe sends the customer back to the success URL: the page says what happens next, still signed in.
      const back = new URL(String(session?.form.success_url).replace("{CHECKOUT_SESSION_ID}", "cs_test_back"));
      expect(`${back.origin}${back.pathname}`).toBe(`${gateway.url}/dashboard`);
      await page.goto(back.href);
      await expect.poll(() => page.locator("#notice").textContent()).toContain("your payment was received");
      expect(page.url()).toBe(`${gateway.url}/dashboard`);
      await expect.poll(() => page.locator("#balance").textContent()).toBe("500.00");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("rotating the key the page is signed in with switches the page to the new secret; revoking it signs out", async () => {
    const key = `aib_self${crypto.randomUUID().replaceAll("-", "")}`;
    await grant(key, 50);
    const { context, page, errors } = await newPage();
    try {
      await signIn(page, key);
      const row = page.locator("#keys-table tbody tr", { hasText: "this session" });
      await row.waitFor();
      await row.getByRole("button", { name: /^Rotate key/ }).click();
      const dialog = page.locator("dialog#confirm");
      expect(await dialog.textContent()).toContain("This is the key you are signed in with");
      await dialog.getByRole("button", { name: "Rotate key" }).click();
      await expect.poll(() => page.locator("[data-testid=secret]").textContent()).toMatch(/^aib_/);
      const rotated = (await page.locator("[data-testid=secret]").textContent()) as string;
      expect(await balanceStatus(key)).toBe(401);
      expect(await inPage<string>(page, "sessionStorage.getItem('aib.dashboard.apiKey')")).toBe(rotated);
      await page.getByRole("button", { name: "Refresh" }).click();
      await expect.poll(() => page.getByRole("status").first().textContent()).toBe("Up to date.");
      expect(await page.locator("#balance").textContent()).toBe("50.00");

      await page
        .locator("#keys-table tbody tr", { hasText: "this session" })
        .getByRole("button", { name: /^Revoke key/ })
        .click();
      expect(await dialog.textContent()).toContain("you will be signed out");
      await dialog.getByRole("button", { name: "Revoke key" }).click();
      await page.getByLabel("API key", { exact: true }).waitFor({ state: "visible" });
      expect(await inPage<number>(page, "sessionStorage.length")).toBe(0);
      expect(await balanceStatus(rotated)).toBe(401);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("plans from GET /v1/plans are listed with the current one marked; the portal is explained when missing", async () => {
    const portalProbe = await fetch(`${gateway.url}/v1/billing/portal`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}` },
    });
    const portalAnswer = (await portalProbe.json()) as { error?: { message: string } };
    // No route (before the subscriptions work is merged), or the route and no subscription yet.
    const noRoute = portalProbe.status === 404 && /^No route/.test(portalAnswer.error?.message ?? "");
    const noSubscription = portalProbe.status === 404 && !noRoute;
    const { context, page, errors } = await newPage();
    try {
      // The plan table's shape (src/billing/plans.ts), as GET /v1/plans lists it.
      await page.route("**/v1/plans", (route) =>
        route.fulfill({
          status: 200,
          contentType: "application/json",
          body: JSON.stringify({
            object: "list",
            data: [
              {
                id: "free",
                name: "Free",
                requests_per_minute: 60,
                concurrent_requests: 5,
                monthly_allowance_credits: 0,
                default: true,
              },
              {
                id: "pro",
                name: "Pro",
                requests_per_minute: 600,
                concurrent_requests: 20,
                monthly_allowance_credits: 2000,
                default: false,
              },
            ],
          }),
        }),
      );
      await signIn(page, KEY);
      const plans = page.locator("#plans article");
      await expect.poll(() => plans.count()).toBe(2);
      expect(await page.locator("#plan").textContent()).toBe("Free");
      expect(await plans.nth(0).textContent()).toContain("current");
      expect(await plans.nth(0).getByRole("button").count()).toBe(0);
      expect(await plans.nth(1).textContent()).toContain("2,000 credits a month");
      expect(await plans.nth(1).textContent()).toContain("600 requests a minute");
      expect(await plans.nth(1).getByRole("button", { name: "Subscribe to Pro" }).isVisible()).toBe(true);
      if (noRoute) {
        await page.getByRole("button", { name: "Manage subscription" }).click();
        await expect.poll(() => page.locator("#portal-unavailable").textContent()).toContain("not available");
        expect(await page.getByRole("button", { name: "Manage subscription" }).isHidden()).toBe(true);
      }
      if (noSubscription) {
        await page.getByRole("button", { name: "Manage subscription" }).click();
        await expect.poll(() => page.locator("#portal-unavailable").textContent()).toContain("no subscription yet");
        expect(await page.getByRole("button", { name: "Manage subscription" }).isVisible()).toBe(true);
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("routes other branches provide are offered only where they answer (PayPal, plans)", async () => {
    const paypal = await fetch(`${gateway.url}/v1/billing/paypal/orders`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ credits: -1 }),
    });
    const plans = await fetch(`${gateway.url}/v1/plans`, { headers: { authorization: `Bearer ${KEY}` } });
    await paypal.arrayBuffer();
    await plans.arrayBuffer();
    const { context, page, errors } = await newPage();
    try {
      await signIn(page, KEY);
      await page.locator("#usage-table tbody tr").first().waitFor();
      await expect.poll(() => page.locator("#buy-paypal").isVisible()).toBe(paypal.status === 400);
      await expect.poll(() => page.locator("#plans-section").isVisible()).toBe(plans.status === 200);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("fits a 375 px phone screen without sideways scrolling; screenshot of the desktop page", async () => {
    const phone = await newPage({ width: 375, height: 812 });
    try {
      await signIn(phone.page, KEY);
      await phone.page.locator("#usage-table tbody tr").first().waitFor();
      await phone.page.locator("#keys-table tbody tr").first().waitFor();
      const widths = await inPage<[number, number]>(
        phone.page,
        "[document.documentElement.scrollWidth, window.innerWidth]",
      );
      expect(widths[0]).toBeLessThanOrEqual(widths[1] as number);
      expect(phone.errors).toEqual([]);
    } finally {
      await phone.context.close();
    }
    // Something to show: two calls and a second key.
    await chat(KEY);
    await chat(KEY);
    const created = await fetch(`${gateway.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "production" }),
    });
    expect(created.status).toBe(201);
    await created.arrayBuffer();
    const desktop = await newPage({ width: 1100, height: 900 });
    try {
      await signIn(desktop.page, KEY);
      await desktop.page.locator("#usage-table tbody tr").first().waitFor();
      await desktop.page.locator("#keys-table tbody tr").first().waitFor();
      mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
      await desktop.page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(existsSync(SCREENSHOT)).toBe(true);
    } finally {
      await desktop.context.close();
    }
  }, 60_000);
});
