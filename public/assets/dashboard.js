// The key holder's dashboard (/dashboard): sign in with an API key, then balance, daily chart,
// ledger with paging and CSV export, keys, buying credits and plans. Only the public API is called.
import { renderChart } from "./chart.js";
import {
  callApi,
  confirmDialog,
  el,
  formatMicros,
  formatTime,
  lastDays,
  statusLine,
  table,
  unavailable,
} from "./common.js";
import { usageCsv } from "./csv.js";

const STORAGE_KEY = "aib.dashboard.apiKey";
const PAGE_SIZE = 20;
const DAYS = 30;

const $ = (id) => document.getElementById(id);
const status = statusLine($("status"), $("error"));

const state = { key: null, entries: [], nextCursor: null, keys: [], paypal: false };

const api = (path, options = {}) =>
  callApi(path, { ...options, headers: { authorization: `Bearer ${state.key}`, ...(options.headers ?? {}) } });

/** A 401 during a session means the key stopped working (revoked, rotated elsewhere): sign out. */
function failed(result, retry) {
  if (result.status === 401) {
    signOut();
    status.fail(result.error);
    return;
  }
  status.fail(result.error, retry);
}

function showSignedIn(signedIn) {
  $("signin").hidden = signedIn;
  $("app").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
}

function signOut() {
  sessionStorage.removeItem(STORAGE_KEY);
  state.key = null;
  state.entries = [];
  state.nextCursor = null;
  state.keys = [];
  $("secret-value").textContent = "";
  $("secret").hidden = true;
  $("api-key").value = "";
  showSignedIn(false);
  status.clear();
}

async function signIn(event) {
  event.preventDefault();
  const key = $("api-key").value.trim();
  status.clear();
  if (key === "") {
    status.fail({ message: "Paste your API key first.", retryable: false });
    $("api-key").focus();
    return;
  }
  state.key = key;
  status.say("Signing in…");
  const balance = await api("/v1/balance");
  if (!balance.ok) {
    state.key = null;
    status.say("");
    status.fail(balance.error, () => $("signin-form").requestSubmit());
    $("api-key").focus();
    return;
  }
  sessionStorage.setItem(STORAGE_KEY, key);
  $("api-key").value = "";
  showSignedIn(true);
  showBalance(balance.data);
  status.say("Signed in.");
  if (new URLSearchParams(location.search).get("paypal") === "approved") {
    await handleReturn();
    await loadBalance();
  }
  await loadRest();
  $("main").focus();
}

function showBalance(balance) {
  $("balance").textContent = balance.credits_micros === null ? "—" : formatMicros(balance.credits_micros);
  $("held").textContent = formatMicros(balance.held_micros ?? 0);
  $("account-id").textContent = balance.account_id;
  state.plan = balance.plan ?? null;
  showPlanName();
}

function showPlanName() {
  const plans = state.plans ?? [];
  const current = state.plan ?? null;
  const named = plans.find((p) => p.id === current) ?? (current ? null : plans.find((p) => p.default));
  $("plan").textContent = named?.name ?? current ?? "Pay as you go";
}

async function loadBalance() {
  const balance = await api("/v1/balance");
  if (!balance.ok) return failed(balance, refresh);
  showBalance(balance.data);
}

async function loadUsage() {
  const usage = await api(`/v1/usage?limit=${PAGE_SIZE}&days=${DAYS}`);
  if (!usage.ok) return failed(usage, refresh);
  state.entries = usage.data.data;
  state.nextCursor = usage.data.next_cursor;
  showUsage();
  showChart(usage.data.daily ?? []);
}

async function loadMoreUsage() {
  if (!state.nextCursor) return;
  status.say("Loading older entries…");
  const usage = await api(`/v1/usage?limit=${PAGE_SIZE}&days=${DAYS}&cursor=${encodeURIComponent(state.nextCursor)}`);
  if (!usage.ok) return failed(usage, loadMoreUsage);
  state.entries = state.entries.concat(usage.data.data);
  state.nextCursor = usage.data.next_cursor;
  showUsage();
  status.say(`${usage.data.data.length} older entries loaded.`);
}

const REASONS = {
  usage: "API call",
  purchase: "Purchase",
  admin_grant: "Grant",
  plan_allowance: "Plan allowance",
  clawback: "Refund / claw-back",
  reversal: "Reversal",
  uncollected: "Uncollected",
};

function showUsage() {
  const rows = state.entries.map((entry) => [
    formatTime(entry.created_at),
    REASONS[entry.reason] ?? entry.reason,
    entry.model ? `${entry.provider ?? ""}/${entry.model}` : (entry.reference ?? ""),
    formatMicros(entry.amount_micros, { sign: true }),
    formatMicros(entry.balance_after_micros),
    entry.request_id ?? "",
  ]);
  $("usage-table").replaceChildren(
    table(
      `Ledger, newest first (${state.entries.length} shown)`,
      [
        { label: "Time" },
        { label: "What" },
        { label: "Model / reference" },
        { label: "Credits", num: true },
        { label: "Balance after", num: true },
        { label: "Request id" },
      ],
      rows,
      "No usage yet. Make a call with your key and refresh.",
    ),
  );
  $("usage-more").hidden = !state.nextCursor;
}

function showChart(daily) {
  const byDate = new Map(daily.map((day) => [day.date, day]));
  const labels = lastDays(DAYS);
  const micros = labels.map((date) => byDate.get(date)?.charged_micros ?? 0);
  const calls = labels.map((date) => byDate.get(date)?.requests ?? 0);
  const total = micros.reduce((a, b) => a + b, 0);
  const totalCalls = calls.reduce((a, b) => a + b, 0);
  renderChart($("chart"), {
    title: "Credits spent and calls per day, last 30 days (UTC)",
    description: `${formatMicros(total)} credits spent over ${totalCalls} calls from ${labels[0]} to ${labels.at(-1)}.`,
    labels,
    series: [
      {
        name: "Credits spent",
        kind: "bar",
        // Heights only: the exact amounts are in the tooltips and the table.
        values: micros.map((m) => m / 1_000_000),
        format: (value, i) => (i === undefined ? trimTick(value) : formatMicros(micros[i])),
      },
      { name: "Calls", kind: "line", axis: "right", integer: true, values: calls },
    ],
  });
}

const trimTick = (value) => String(Number(value.toPrecision(6)));

async function loadKeys() {
  const keys = await api("/v1/keys");
  if (!keys.ok) {
    if (keys.status === 403) {
      $("keys-table").replaceChildren(el("p", { class: "hint" }, "Keys of this account are managed elsewhere."));
      return;
    }
    return failed(keys, refresh);
  }
  state.keys = keys.data.data;
  showKeys();
}

/** Is `record` the key this page is signed in with? Its listed prefix is the start of the secret. */
const isCurrent = (record) => typeof state.key === "string" && state.key.startsWith(record.prefix);

function showKeys() {
  const rows = state.keys.map((record) => {
    const live = record.revoked_at === null;
    const actions = live
      ? el(
          "div",
          { class: "row-actions" },
          el(
            "button",
            {
              type: "button",
              class: "secondary small",
              "aria-label": `Rotate key ${record.name}`,
              onclick: () => rotateKey(record),
            },
            "Rotate",
          ),
          el(
            "button",
            {
              type: "button",
              class: "danger small",
              "aria-label": `Revoke key ${record.name}`,
              onclick: () => revokeKey(record),
            },
            "Revoke",
          ),
        )
      : "";
    return [
      el("span", {}, record.name, isCurrent(record) ? el("span", { class: "badge" }, "this session") : ""),
      el("code", {}, `${record.prefix}…`),
      formatTime(record.created_at),
      record.last_used_at ? formatTime(record.last_used_at) : "never",
      live ? "active" : `revoked ${formatTime(record.revoked_at)}`,
      actions,
    ];
  });
  const wrap = table(
    "Your API keys",
    [
      { label: "Name" },
      { label: "Key" },
      { label: "Created" },
      { label: "Last used" },
      { label: "Status" },
      { label: "Actions" },
    ],
    rows,
    "No keys listed.",
  );
  state.keys.forEach((record, i) => {
    wrap.querySelectorAll("tbody tr")[i]?.setAttribute("data-key-id", record.id);
  });
  $("keys-table").replaceChildren(wrap);
}

function showSecret(title, secret) {
  $("secret-title").textContent = title;
  $("secret-value").textContent = secret;
  $("secret").hidden = false;
  $("secret").focus();
}

async function createKey(event) {
  event.preventDefault();
  status.clear();
  const name = $("key-name").value.trim();
  const created = await api("/v1/keys", { method: "POST", body: name ? { name } : {} });
  if (!created.ok) return failed(created);
  $("key-name").value = "";
  showSecret(`New key “${created.data.name}”`, created.data.key);
  status.say(`Key ${created.data.name} created. Copy its secret now.`);
  await loadKeys();
}

async function rotateKey(record) {
  const current = isCurrent(record);
  const ok = await confirmDialog($("confirm"), {
    title: `Rotate key “${record.name}”?`,
    message: `The current secret (${record.prefix}…) stops working at once and a new one is shown once.${current ? " This is the key you are signed in with: the page switches to the new secret." : ""}`,
    confirm: "Rotate key",
  });
  if (!ok) {
    status.say("Rotation cancelled.");
    return;
  }
  status.clear();
  const rotated = await api(`/v1/keys/${encodeURIComponent(record.id)}/rotate`, { method: "POST" });
  if (!rotated.ok) return failed(rotated);
  if (current) {
    state.key = rotated.data.key;
    sessionStorage.setItem(STORAGE_KEY, rotated.data.key);
  }
  showSecret(`New secret for “${rotated.data.name}”`, rotated.data.key);
  status.say(`Key ${rotated.data.name} rotated. Copy its new secret now.`);
  await loadKeys();
}

async function revokeKey(record) {
  const current = isCurrent(record);
  const ok = await confirmDialog($("confirm"), {
    title: `Revoke key “${record.name}”?`,
    message: `Calls with ${record.prefix}… fail at once. This cannot be undone.${current ? " This is the key you are signed in with: you will be signed out." : ""}`,
    confirm: "Revoke key",
  });
  if (!ok) {
    status.say("Revocation cancelled.");
    return;
  }
  status.clear();
  const revoked = await api(`/v1/keys/${encodeURIComponent(record.id)}`, { method: "DELETE" });
  if (!revoked.ok) return failed(revoked);
  if (current) {
    signOut();
    status.say(`Key ${record.name} revoked. You were signed in with it, so you are signed out.`);
    return;
  }
  status.say(`Key ${record.name} revoked.`);
  await loadKeys();
}

async function copySecret() {
  const secret = $("secret-value").textContent;
  try {
    await navigator.clipboard.writeText(secret);
    status.say("Key copied to the clipboard.");
  } catch {
    const range = document.createRange();
    range.selectNodeContents($("secret-value"));
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    status.say("Copying is blocked here: the key is selected, press Ctrl+C (⌘C) to copy it.");
  }
}

function hideSecret() {
  $("secret-value").textContent = "";
  $("secret").hidden = true;
  $("key-name").focus();
}

function exportCsv() {
  const blob = new Blob([usageCsv(state.entries)], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: `usage-${new Date().toISOString().slice(0, 10)}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  status.say(
    `CSV of ${state.entries.length} entries downloaded${state.nextCursor ? " (load older entries to include them)" : ""}.`,
  );
}

function creditsToBuy() {
  const input = $("buy-credits");
  const credits = Number(input.value);
  if (!Number.isInteger(credits) || credits < 100 || credits > 1_000_000) {
    status.fail({ message: "Enter a whole number of credits from 100 to 1,000,000.", retryable: false });
    input.focus();
    return null;
  }
  return credits;
}

async function buyWithStripe(event) {
  event.preventDefault();
  status.clear();
  const credits = creditsToBuy();
  if (credits === null) return;
  status.say("Opening Stripe Checkout…");
  const session = await api("/v1/billing/checkout", {
    method: "POST",
    headers: { "idempotency-key": `dash-${crypto.randomUUID()}` },
    body: { credits },
  });
  if (!session.ok) {
    status.say("");
    if (session.error.code === "BILLING_NOT_CONFIGURED") {
      $("buy-stripe").hidden = true;
      showBuyUnavailable();
    }
    return failed(session);
  }
  location.assign(session.data.url);
}

async function buyWithPayPal() {
  status.clear();
  const credits = creditsToBuy();
  if (credits === null) return;
  status.say("Opening PayPal…");
  const order = await api("/v1/billing/paypal/orders", {
    method: "POST",
    headers: { "idempotency-key": `dash-${crypto.randomUUID()}` },
    body: { credits },
  });
  if (!order.ok) {
    status.say("");
    if (unavailable(order)) {
      $("buy-paypal").hidden = true;
      showBuyUnavailable();
    }
    return failed(order);
  }
  location.assign(order.data.approve_url);
}

function showBuyUnavailable() {
  const stripe = !$("buy-stripe").hidden;
  const paypal = !$("buy-paypal").hidden;
  const note = $("buy-unavailable");
  note.hidden = stripe && paypal;
  note.textContent =
    !stripe && !paypal
      ? "Payments are not set up on this gateway yet. Ask its operator to add credits."
      : !stripe
        ? "Card payments are not set up on this gateway."
        : "";
}

/** PayPal is offered only where its route answers: a malformed order is refused before anything is created. */
async function probePayPal() {
  const probe = await api("/v1/billing/paypal/orders", { method: "POST", body: { credits: -1 } });
  state.paypal = !probe.ok && probe.status === 400;
  $("buy-paypal").hidden = !state.paypal;
}

async function loadPlans() {
  const plans = await api("/v1/plans");
  if (!plans.ok) {
    $("plans-section").hidden = true;
    state.plans = [];
    showPlanName();
    return;
  }
  const list = Array.isArray(plans.data) ? plans.data : (plans.data?.data ?? []);
  state.plans = list;
  showPlanName();
  $("plans").replaceChildren(
    ...list.map((plan) => {
      const current = plan.id === state.plan || (!state.plan && plan.default);
      const price = planPrice(plan);
      return el(
        "article",
        { class: `plan${current ? " current" : ""}`, "aria-label": `Plan ${plan.name}` },
        el("h3", {}, plan.name, current ? el("span", { class: "badge" }, "current") : ""),
        price ? el("p", { class: "price" }, price) : "",
        el(
          "ul",
          {},
          plan.monthly_allowance_credits !== undefined
            ? el("li", {}, `${Number(plan.monthly_allowance_credits).toLocaleString("en-US")} credits a month`)
            : "",
          plan.requests_per_minute !== undefined
            ? el("li", {}, `${Number(plan.requests_per_minute).toLocaleString("en-US")} requests a minute`)
            : "",
          plan.concurrent_requests !== undefined ? el("li", {}, `${plan.concurrent_requests} calls at once`) : "",
        ),
        current || plan.default
          ? ""
          : plan.purchasable === false
            ? el("p", { class: "hint" }, "Not sold online: ask the operator.")
            : el(
                "button",
                { type: "button", onclick: () => subscribe(plan), "aria-label": `Subscribe to ${plan.name}` },
                "Subscribe",
              ),
      );
    }),
  );
  $("plans-section").hidden = list.length === 0;
}

/** Whatever price field the plan carries, shown as given. */
function planPrice(plan) {
  for (const [field, value] of Object.entries(plan)) {
    if (field === "stripe_price_id" || !/price/.test(field) || value === null || typeof value === "object") continue;
    const usd = /usd/.test(field) ? `$${value}` : String(value);
    return /month/.test(field) || /month/.test(String(plan.interval ?? "month")) ? `${usd} a month` : usd;
  }
  return "";
}

async function subscribe(plan) {
  status.clear();
  status.say(`Opening Stripe Checkout for ${plan.name}…`);
  const session = await api("/v1/billing/checkout", {
    method: "POST",
    headers: { "idempotency-key": `dash-${crypto.randomUUID()}` },
    body: { plan: plan.id },
  });
  if (!session.ok) {
    status.say("");
    return failed(session);
  }
  location.assign(session.data.url);
}

async function openPortal() {
  status.clear();
  status.say("Opening the subscription portal…");
  const portal = await api("/v1/billing/portal", { method: "POST" });
  if (!portal.ok) {
    status.say("");
    if (portal.status === 404 && /subscri/i.test(portal.error.message)) {
      // The route is there; this account has nothing to manage yet.
      $("portal-unavailable").hidden = false;
      $("portal-unavailable").textContent = "You have no subscription yet: subscribe to a plan above first.";
      return;
    }
    if (unavailable(portal)) {
      $("portal").hidden = true;
      $("portal-unavailable").hidden = false;
      $("portal-unavailable").textContent = "Managing a subscription is not available on this gateway yet.";
      return;
    }
    return failed(portal);
  }
  location.assign(portal.data.url);
}

async function loadRest() {
  await Promise.all([loadUsage(), loadKeys(), loadPlans(), probePayPal()]);
}

async function refresh() {
  status.clear();
  status.say("Refreshing…");
  await loadBalance();
  if (!state.key) return;
  await loadRest();
  if (state.key && $("error").hidden) status.say("Up to date.");
}

/** Coming back from a checkout: say what happens next, then drop the query from the address bar. */
async function handleReturn() {
  const params = new URLSearchParams(location.search);
  const notice = $("notice");
  const paypal = params.get("paypal");
  const order = params.get("token");
  let text = "";
  if (params.get("checkout") === "success") {
    text = "Thank you: your payment was received. The credits appear as soon as Stripe confirms it.";
  } else if (params.get("checkout") === "cancelled") {
    text = "Checkout cancelled: nothing was charged.";
  } else if (paypal === "approved" && order) {
    // PayPal sends the buyer back with token=<order id>; the order is captured with the buyer's key.
    if (!state.key) {
      text = "Sign in with the key you paid for to finish the PayPal payment.";
      notice.textContent = text;
      notice.hidden = false;
      return;
    }
    status.say("Completing the PayPal payment…");
    const capture = await api(`/v1/billing/paypal/orders/${encodeURIComponent(order)}/capture`, { method: "POST" });
    text = !capture.ok
      ? `The PayPal payment could not be completed: ${capture.error.message}`
      : capture.data.status === "pending"
        ? "PayPal is holding the payment for review: the credits are added when PayPal completes it."
        : `Thank you: your PayPal payment was captured and ${Number(capture.data.credits).toLocaleString("en-US")} credits were added.`;
  } else if (paypal === "cancelled") {
    text = "PayPal checkout cancelled: nothing was charged.";
  }
  if (text) {
    notice.textContent = text;
    notice.hidden = false;
    history.replaceState(null, "", location.pathname);
  }
}

async function start() {
  $("signin-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => {
    signOut();
    status.say("Signed out. The key was forgotten by this tab.");
    $("api-key").focus();
  });
  $("refresh").addEventListener("click", refresh);
  $("usage-more").addEventListener("click", loadMoreUsage);
  $("usage-csv").addEventListener("click", exportCsv);
  $("key-create").addEventListener("submit", createKey);
  $("secret-copy").addEventListener("click", copySecret);
  $("secret-hide").addEventListener("click", hideSecret);
  $("buy-form").addEventListener("submit", buyWithStripe);
  $("buy-paypal").addEventListener("click", buyWithPayPal);
  $("portal").addEventListener("click", openPortal);

  state.key = sessionStorage.getItem(STORAGE_KEY);
  if (!state.key) {
    showSignedIn(false);
    await handleReturn();
    return;
  }
  showSignedIn(true);
  status.say("Loading…");
  await handleReturn();
  await refresh();
}

start();
