// The operator's dashboard (/admin/dashboard): the admin secret typed in, then GET /admin/analytics
// for the period, by day (chart and table), provider, model, plan and source, and the top accounts.
// USD amounts are exact decimal strings from the gateway and are shown as given; only the chart's
// bar heights are computed from them.
import { renderChart } from "./chart.js";
import { callApi, el, formatMicros, formatUsd, lastDays, statusLine, table } from "./common.js";

const STORAGE_KEY = "aib.admin.secret";
const GROUPS = ["provider", "model", "plan", "source"];
const MAX_CHART_DAYS = 366;

const $ = (id) => document.getElementById(id);
const status = statusLine($("status"), $("error"));
const state = { secret: null };

const analytics = (from, to, groupBy) =>
  callApi(`/admin/analytics?${new URLSearchParams({ from, to, group_by: groupBy })}`, {
    headers: { "x-admin-secret": state.secret },
  });

function showSignedIn(signedIn) {
  $("signin").hidden = signedIn;
  $("app").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
}

function signOut() {
  sessionStorage.removeItem(STORAGE_KEY);
  state.secret = null;
  $("admin-secret").value = "";
  showSignedIn(false);
  status.clear();
}

/** What a failed analytics call means to the operator. */
function explainFailure(result) {
  if (result.status === 404) {
    return {
      message:
        "Analytics are not available on this gateway: it has no ADMIN_SECRET set, or runs a version without /admin/analytics.",
      retryable: false,
    };
  }
  return result.error;
}

function defaultRange() {
  const days = lastDays(30);
  if (!$("from").value) $("from").value = days[0];
  if (!$("to").value) $("to").value = days.at(-1);
}

async function signIn(event) {
  event.preventDefault();
  status.clear();
  const secret = $("admin-secret").value;
  if (secret.trim() === "") {
    status.fail({ message: "Type the admin secret first.", retryable: false });
    $("admin-secret").focus();
    return;
  }
  state.secret = secret;
  defaultRange();
  status.say("Signing in…");
  const ok = await load();
  if (!ok) {
    state.secret = null;
    $("admin-secret").focus();
    return;
  }
  sessionStorage.setItem(STORAGE_KEY, secret);
  $("admin-secret").value = "";
  $("main").focus();
}

/** Loads every view of the period; false when the first (by day) failed, which shows why. */
async function load() {
  const from = $("from").value;
  const to = $("to").value;
  if (!from || !to || from > to) {
    status.fail({ message: "Choose a start date on or before the end date.", retryable: false });
    return false;
  }
  status.say("Loading analytics…");
  const [byDay, ...groups] = await Promise.all([
    analytics(from, to, "day"),
    ...GROUPS.map((group) => analytics(from, to, group)),
  ]);
  if (!byDay.ok) {
    status.say("");
    // A secret that stopped working signs out; a mistyped one stays in the field to correct.
    if (byDay.status === 401 && sessionStorage.getItem(STORAGE_KEY) !== null) signOut();
    status.fail(explainFailure(byDay), load);
    return false;
  }
  showSignedIn(true);
  status.clear();
  showTotals(byDay.data.totals ?? {});
  showDays(byDay.data, from, to);
  GROUPS.forEach((group, i) => {
    showGroup(group, groups[i]);
  });
  showTopAccounts(byDay.data.top_accounts ?? []);
  status.say(`Analytics from ${byDay.data.from ?? from} to ${byDay.data.to ?? to}.`);
  return true;
}

function showTotals(totals) {
  $("t-calls").textContent = typeof totals.calls === "number" ? totals.calls.toLocaleString("en-US") : "—";
  $("t-cost").textContent = formatUsd(totals.provider_cost_usd);
  $("t-usage").textContent = formatUsd(totals.usage_revenue_usd);
  $("t-cash").textContent = formatUsd(totals.cash_revenue_usd);
  $("t-margin").textContent = formatUsd(totals.margin_usd);
  $("t-uncollected").textContent = formatMicros(totals.uncollected_micros);
  $("t-granted").textContent = formatMicros(totals.granted_micros);
}

const ROW_HEADERS = [
  { label: "Calls", num: true },
  { label: "Provider cost", num: true },
  { label: "Usage revenue", num: true },
  { label: "Cash revenue", num: true },
  { label: "Margin", num: true },
  { label: "Uncollected (credits)", num: true },
  { label: "Granted (credits)", num: true },
];

const rowCells = (row) => [
  typeof row.calls === "number" ? row.calls.toLocaleString("en-US") : "—",
  formatUsd(row.provider_cost_usd),
  formatUsd(row.usage_revenue_usd),
  formatUsd(row.cash_revenue_usd),
  formatUsd(row.margin_usd),
  formatMicros(row.uncollected_micros),
  formatMicros(row.granted_micros),
];

/** The days of [from, to] (UTC), capped so a long range cannot hang the page. */
function daysBetween(from, to) {
  const out = [];
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = start; t <= end && out.length < MAX_CHART_DAYS; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

// Heights only: an exact decimal string read as a number is close enough to draw a bar.
const height = (usd) => {
  const value = Number(usd);
  return Number.isFinite(value) ? value : 0;
};

function showDays(answer, from, to) {
  const groups = Array.isArray(answer.groups) ? answer.groups : [];
  const byKey = new Map(groups.map((row) => [row.key, row]));
  const labels = daysBetween(answer.from ?? from, answer.to ?? to);
  const rows = labels.map((day) => byKey.get(day) ?? null);
  renderChart($("chart"), {
    title: "Provider cost and usage revenue per day (USD)",
    description: `From ${labels[0]} to ${labels.at(-1)}: provider cost ${formatUsd(answer.totals?.provider_cost_usd)}, usage revenue ${formatUsd(answer.totals?.usage_revenue_usd)}, margin ${formatUsd(answer.totals?.margin_usd)}.`,
    labels,
    series: [
      {
        name: "Provider cost",
        kind: "bar",
        values: rows.map((row) => height(row?.provider_cost_usd)),
        format: (value, i) =>
          i === undefined ? `$${Number(value.toPrecision(6))}` : formatUsd(rows[i]?.provider_cost_usd ?? "0"),
      },
      {
        name: "Usage revenue",
        kind: "bar",
        values: rows.map((row) => height(row?.usage_revenue_usd)),
        format: (value, i) =>
          i === undefined ? `$${Number(value.toPrecision(6))}` : formatUsd(rows[i]?.usage_revenue_usd ?? "0"),
      },
    ],
  });
  const active = groups.filter(hasActivity).sort((a, b) => String(b.key).localeCompare(String(a.key)));
  $("by-day").replaceChildren(
    table(
      "By day, newest first (days with activity)",
      [{ label: "Day" }, ...ROW_HEADERS],
      active.map((row) => [row.key, ...rowCells(row)]),
      "No activity in this period.",
    ),
  );
}

const ZERO = /^-?0*(\.0*)?$/;

/** A row with any call, amount or grant (the API may list every day of the period, idle ones too). */
function hasActivity(row) {
  return (
    row.calls > 0 ||
    ["provider_cost_usd", "usage_revenue_usd", "cash_revenue_usd", "margin_usd"].some(
      (field) => typeof row[field] === "string" && !ZERO.test(row[field]),
    ) ||
    row.uncollected_micros > 0 ||
    row.granted_micros > 0
  );
}

const GROUP_TITLES = { provider: "By provider", model: "By model", plan: "By plan", source: "By source" };

function showGroup(group, result) {
  const target = $(`by-${group}`);
  if (!result.ok) {
    target.replaceChildren(
      el("p", { class: "hint" }, `${GROUP_TITLES[group]}: not available (${explainFailure(result).message})`),
    );
    return;
  }
  const rows = (Array.isArray(result.data.groups) ? result.data.groups : []).map((row) => [
    row.key === null || row.key === "" ? "(none)" : String(row.key),
    ...rowCells(row),
  ]);
  target.replaceChildren(
    table(
      GROUP_TITLES[group],
      [{ label: group[0].toUpperCase() + group.slice(1) }, ...ROW_HEADERS],
      rows,
      "No activity.",
    ),
  );
}

function showTopAccounts(accounts) {
  $("top-accounts").replaceChildren(
    table(
      "Accounts charged the most in this period",
      [{ label: "Account" }, { label: "Charged (credits)", num: true }, { label: "Calls", num: true }],
      accounts.map((account) => [
        el("code", {}, account.account_id),
        formatMicros(account.charged_micros),
        typeof account.calls === "number" ? account.calls.toLocaleString("en-US") : "—",
      ]),
      "No charged calls in this period.",
    ),
  );
}

async function start() {
  $("signin-form").addEventListener("submit", signIn);
  $("range-form").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  $("sign-out").addEventListener("click", () => {
    signOut();
    status.say("Signed out. The secret was forgotten by this tab.");
    $("admin-secret").focus();
  });
  defaultRange();
  state.secret = sessionStorage.getItem(STORAGE_KEY);
  if (!state.secret) {
    showSignedIn(false);
    return;
  }
  showSignedIn(true);
  await load();
}

start();
