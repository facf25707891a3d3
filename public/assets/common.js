// Shared by the dashboard pages: calls to this gateway, its error envelope in plain words, exact
// money formatting and small DOM helpers. No framework, no dependency.

/** One answer of the gateway: `data` when ok, else `error` {code, message, retryable}. */
export async function callApi(path, { method = "GET", headers = {}, body } = {}) {
  const init = { method, headers: { ...headers }, cache: "no-store", credentials: "omit" };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    return {
      ok: false,
      status: 0,
      error: {
        code: "NETWORK",
        message: "The gateway could not be reached. Check your connection and retry.",
        retryable: true,
      },
    };
  }
  let data = null;
  const text = await res.text();
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (res.ok) return { ok: true, status: res.status, data, headers: res.headers };
  return { ok: false, status: res.status, error: explain(res, data) };
}

/** The envelope's code and message, reworded where a person needs to know what to do next. */
function explain(res, data) {
  const envelope = data && typeof data === "object" && data.error && typeof data.error === "object" ? data.error : {};
  const code = typeof envelope.code === "string" ? envelope.code : `HTTP_${res.status}`;
  const message = typeof envelope.message === "string" ? envelope.message : `The gateway answered ${res.status}.`;
  const retryAfter = res.headers.get("retry-after");
  switch (code) {
    case "INVALID_API_KEY":
    case "MISSING_API_KEY":
      return { code, message: "This key was not accepted. Check that you pasted the whole key.", retryable: false };
    case "INVALID_ADMIN_SECRET":
      return { code, message: "This admin secret was not accepted.", retryable: false };
    case "STORE_UNAVAILABLE":
      return {
        code,
        message: "The gateway cannot reach its account store right now. Nothing was changed; retry in a moment.",
        retryable: true,
      };
    case "RATE_LIMITED":
      return {
        code,
        message: `Too many requests. Retry in ${retryAfter ?? "a few"} seconds.`,
        retryable: true,
      };
    default:
      return { code, message, retryable: res.status >= 500 && code !== "BILLING_NOT_CONFIGURED" };
  }
}

/** A route another part of the gateway has not deployed or configured: hide what needs it. */
export const unavailable = (result) =>
  !result.ok &&
  (result.status === 404 ||
    result.status === 405 ||
    ["BILLING_NOT_CONFIGURED", "PROVIDER_NOT_CONFIGURED", "NOT_FOUND", "METHOD_NOT_ALLOWED"].includes(
      result.error.code,
    ));

/** Micro-credits (an integer) as an exact decimal: 1404 → "0.001404", 10000000000 → "10,000.00". */
export function formatMicros(micros, { sign = false } = {}) {
  if (typeof micros !== "number" || !Number.isFinite(micros)) return "—";
  let value = BigInt(Math.trunc(micros));
  const negative = value < 0n;
  if (negative) value = -value;
  const whole = (value / 1_000_000n).toLocaleString("en-US");
  let fraction = (value % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  if (fraction.length < 2) fraction = fraction.padEnd(2, "0");
  const prefix = negative ? "−" : sign && value > 0n ? "+" : "";
  return `${prefix}${whole}.${fraction}`;
}

/** Micro-credits as the plain decimal a spreadsheet reads: 1404 → "0.001404", -5 → "-0.000005". */
export function plainMicros(micros) {
  let value = BigInt(Math.trunc(micros));
  const negative = value < 0n;
  if (negative) value = -value;
  return `${negative ? "-" : ""}${value / 1_000_000n}.${(value % 1_000_000n).toString().padStart(6, "0")}`;
}

/** A USD amount given by the gateway as an exact decimal string, shown as given. */
export function formatUsd(value) {
  if (typeof value !== "string" && typeof value !== "number") return "—";
  const text = String(value);
  return text.startsWith("-") ? `−$${text.slice(1)}` : `$${text}`;
}

/** An ISO time as "2026-11-30 14:05 UTC". */
export function formatTime(iso) {
  if (typeof iso !== "string" || iso.length < 16) return "—";
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The last `days` UTC dates, oldest first, ending today ("YYYY-MM-DD"). */
export function lastDays(days, now = Date.now()) {
  const out = [];
  for (let i = days - 1; i >= 0; i--) out.push(new Date(now - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/** `el("td", {class: "num"}, "12")`: text is always set as text, never parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A table of `rows` under `headers` (each header {label, num?}); `rows` are arrays of cell texts. */
export function table(caption, headers, rows, empty = "Nothing yet.") {
  const head = el(
    "thead",
    {},
    el(
      "tr",
      {},
      headers.map((h) => el("th", { scope: "col", class: h.num ? "num" : "" }, h.label)),
    ),
  );
  const body = el(
    "tbody",
    {},
    rows.length === 0
      ? el("tr", {}, el("td", { colspan: headers.length, class: "empty" }, empty))
      : rows.map((row) =>
          el(
            "tr",
            {},
            row.map((cell, i) =>
              el("td", { class: headers[i]?.num ? "num" : "", "data-label": headers[i]?.label }, cell),
            ),
          ),
        ),
  );
  return el("div", { class: "table-wrap" }, el("table", { class: "stack" }, el("caption", {}, caption), head, body));
}

/** The page's polite status line (aria-live) and its alert line for errors, with an optional retry. */
export function statusLine(statusEl, errorEl) {
  return {
    say(message) {
      statusEl.textContent = message;
    },
    fail(error, retry) {
      errorEl.replaceChildren(el("span", {}, error.message));
      if (retry && error.retryable) {
        errorEl.append(" ", el("button", { type: "button", class: "link", onclick: () => retry() }, "Retry"));
      }
      errorEl.hidden = false;
    },
    clear() {
      errorEl.replaceChildren();
      errorEl.hidden = true;
      statusEl.textContent = "";
    },
  };
}

/** A confirmation in the page's <dialog>: resolves true only when the confirm button is chosen. */
export function confirmDialog(dialog, { title, message, confirm }) {
  dialog.querySelector("[data-dialog-title]").textContent = title;
  dialog.querySelector("[data-dialog-message]").textContent = message;
  dialog.querySelector("[data-dialog-confirm]").textContent = confirm;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
    dialog.showModal();
    dialog.querySelector("[data-dialog-cancel]").focus();
  });
}
