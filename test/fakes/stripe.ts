// A fake Stripe API for the route tests (Node, started in test/global-setup.ts), reached through
// STRIPE_BASE_URL by the real `stripe` library. It speaks Stripe's wire format: form-encoded requests,
// Bearer secret keys, Idempotency-Key replays, JSON objects and `{error: {type, message}}` answers.
//   POST /v1/checkout/sessions          creates a session: payment mode (and, eagerly, its payment
//                                        intent) or subscription mode (a price and a known customer)
//   GET  /v1/payment_intents/<id>        a payment intent created so or registered by a test
//   GET  /v1/invoice_payments?payment[type]=payment_intent&payment[payment_intent]=<id>
//                                        the invoice payments of a registered invoice made with that intent
//   GET  /v1/invoices/<id>               an invoice registered by a test
//   POST /v1/customers                   creates a customer (Idempotency-Key honoured, as for sessions)
//   GET  /v1/customers/<id>              a customer created so or registered by a test
//   POST /v1/billing_portal/sessions     a portal session for a known customer
// Test-only routes:
//   GET  /__fake/requests?marker=<text>  recorded requests whose raw body contains the text
//   POST /__fake/payment_intents         registers a payment intent (JSON body)
//   POST /__fake/customers               registers a customer (JSON body)
//   POST /__fake/invoices                {"invoice", "payment_intent"}: registers a paid invoice (as GET answers
//                                        it) and its invoice payment, made with that payment intent
//   POST /__fake/fail                    {"marker", "status"}: requests whose body or URL holds the marker answer
//                                        that status (creates and lookups alike); status 0 lifts the marker's failures;
//                                        status "stall": they are never answered (held until the client leaves, ≤ 10 s)
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StripeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  rawBody: string;
  /** The form body, decoded into nested objects (`line_items[0][quantity]` → `line_items[0].quantity`). */
  form: Record<string, unknown>;
}

export interface FakeStripe {
  url: string;
  requests: StripeRequest[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

/** Stripe's bracket notation into nested objects and arrays. */
export function decodeForm(raw: string): Json {
  const root: Json = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const path = key.split(/\[|\]\[|\]/).filter((part) => part !== "");
    let node: Json = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) {
        node[part] = value;
        return;
      }
      node[part] ??= /^\d+$/.test(path[i + 1] ?? "") ? [] : {};
      node = node[part] as Json;
    });
  }
  return root;
}

/** The POST routes that create something, answered once per Idempotency-Key. */
const CREATES: Record<string, "customers" | "sessions" | "portal"> = {
  "/v1/customers": "customers",
  "/v1/checkout/sessions": "sessions",
  "/v1/billing_portal/sessions": "portal",
};

const newId = (prefix: string) => `${prefix}_test_${randomBytes(12).toString("hex")}`;

export async function startFakeStripe(secretKey: string): Promise<FakeStripe> {
  const requests: StripeRequest[] = [];
  const intents = new Map<string, Json>();
  const customers = new Map<string, Json>();
  const invoices = new Map<string, Json>();
  const invoicePayments: Json[] = [];
  const replays = new Map<string, { body: string; status: number; answer: Json }>();
  const failures: { marker: string; status: number | "stall" }[] = [];
  /** A failure's answer: its status with Stripe's api_error, or, stalled, none (the socket held ≤ 10 s). */
  const fail = (res: ServerResponse, failure: { status: number | "stall" }) => {
    if (failure.status !== "stall") {
      return send(res, failure.status, stripeError("api_error", "Something went wrong on Stripe's end."));
    }
    const timer = setTimeout(() => res.destroy(), 10_000);
    res.on("close", () => clearTimeout(timer));
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", "request-id": newId("req"), ...headers });
    res.end(JSON.stringify(body));
  };
  const stripeError = (type: string, message: string, code?: string) => ({ error: { type, message, code } });

  const invalid = (message = "Missing or invalid parameters.") => ({
    status: 400,
    answer: stripeError("invalid_request_error", message),
  });
  const noSuchCustomer = (id: unknown) => ({
    status: 400,
    answer: stripeError("invalid_request_error", `No such customer: '${String(id)}'`, "resource_missing"),
  });

  function createCustomer(form: Json): { status: number; answer: Json } {
    const id = newId("cus");
    const customer = { id, object: "customer", email: form.email ?? null, metadata: form.metadata ?? {} };
    customers.set(id, customer);
    return { status: 200, answer: customer };
  }

  function createSubscriptionSession(form: Json): { status: number; answer: Json } {
    const items = form.line_items as Json[] | undefined;
    const price = items?.[0]?.price;
    if (typeof price !== "string" || !price.startsWith("price_") || !form.success_url) return invalid();
    if (!customers.has(String(form.customer))) return noSuchCustomer(form.customer);
    const id = newId("cs");
    const session = {
      id,
      object: "checkout.session",
      mode: "subscription",
      status: "open",
      payment_status: "unpaid",
      customer: form.customer,
      client_reference_id: form.client_reference_id ?? null,
      metadata: form.metadata ?? {},
      subscription: null,
      success_url: form.success_url,
      cancel_url: form.cancel_url ?? null,
      url: `https://checkout.stripe.com/c/pay/${id}`,
    };
    return { status: 200, answer: session };
  }

  function createPortalSession(form: Json): { status: number; answer: Json } {
    if (!customers.has(String(form.customer))) return noSuchCustomer(form.customer);
    const id = newId("bps");
    const url = `https://billing.stripe.com/p/session/${id}`;
    return {
      status: 200,
      answer: { id, object: "billing_portal.session", customer: form.customer, return_url: form.return_url, url },
    };
  }

  function createSession(form: Json): { status: number; answer: Json } {
    if (form.mode === "subscription") return createSubscriptionSession(form);
    const items = form.line_items as Json[] | undefined;
    const price = (items?.[0]?.price_data ?? {}) as Json;
    const amount = Number(price.unit_amount) * Number(items?.[0]?.quantity ?? 1);
    if (form.mode !== "payment" || !Number.isSafeInteger(amount) || !form.success_url) {
      return { status: 400, answer: stripeError("invalid_request_error", "Missing or invalid parameters.") };
    }
    const intent = newId("pi");
    const metadata = ((form.payment_intent_data as Json | undefined)?.metadata ?? {}) as Json;
    intents.set(intent, {
      id: intent,
      object: "payment_intent",
      amount,
      amount_received: amount,
      currency: price.currency,
      metadata,
      status: "succeeded",
    });
    const id = newId("cs");
    const session = {
      id,
      object: "checkout.session",
      mode: form.mode,
      status: "open",
      payment_status: "unpaid",
      amount_total: amount,
      currency: price.currency,
      client_reference_id: form.client_reference_id ?? null,
      metadata: form.metadata ?? {},
      // Real Stripe creates the payment intent when the customer pays; the fake names it at once.
      payment_intent: intent,
      success_url: form.success_url,
      cancel_url: form.cancel_url ?? null,
      url: `https://checkout.stripe.com/c/pay/${id}`,
    };
    return { status: 200, answer: session };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    if (url.pathname === "/__fake/requests") {
      const marker = url.searchParams.get("marker") ?? "";
      return send(
        res,
        200,
        requests.filter((r) => r.rawBody.includes(marker) || r.path.includes(marker)),
      );
    }
    if (url.pathname === "/__fake/payment_intents") {
      const intent = JSON.parse(rawBody) as Json;
      intents.set(String(intent.id), { object: "payment_intent", ...intent });
      return send(res, 200, intent);
    }
    if (url.pathname === "/__fake/customers") {
      const customer = JSON.parse(rawBody) as Json;
      customers.set(String(customer.id), { object: "customer", metadata: {}, ...customer });
      return send(res, 200, customer);
    }
    if (url.pathname === "/__fake/invoices") {
      const { invoice, payment_intent } = JSON.parse(rawBody) as { invoice: Json; payment_intent: string };
      invoices.set(String(invoice.id), { object: "invoice", ...invoice });
      invoicePayments.push({
        id: newId("inpay"),
        object: "invoice_payment",
        amount_paid: invoice.amount_paid,
        amount_requested: invoice.amount_paid,
        created: Math.floor(Date.now() / 1000),
        currency: invoice.currency ?? "usd",
        invoice: invoice.id,
        is_default: true,
        livemode: false,
        payment: { type: "payment_intent", payment_intent },
        status: "paid",
        status_transitions: { canceled_at: null, paid_at: Math.floor(Date.now() / 1000) },
      });
      return send(res, 200, invoice);
    }
    if (url.pathname === "/__fake/fail") {
      const failure = JSON.parse(rawBody) as { marker: string; status: number | "stall" };
      if (failure.status === 0) {
        for (let i = failures.length - 1; i >= 0; i--)
          if (failures[i]?.marker === failure.marker) failures.splice(i, 1);
      } else {
        failures.push(failure);
      }
      return send(res, 200, {});
    }
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const record = { method: req.method ?? "GET", path: url.pathname, headers, rawBody, form: decodeForm(rawBody) };
    requests.push(record);
    if (headers.authorization !== `Bearer ${secretKey}`) {
      return send(res, 401, stripeError("invalid_request_error", "Invalid API Key provided: sk_test_****"));
    }
    const query = decodeURIComponent(url.search);
    const lookupFailure = req.method === "GET" ? failures.find((f) => query.includes(f.marker)) : undefined;
    if (lookupFailure) return fail(res, lookupFailure);
    if (req.method === "GET" && url.pathname === "/v1/invoice_payments") {
      const params = decodeForm(url.search.slice(1));
      const payment = (params.payment ?? {}) as Json;
      if (payment.type !== "payment_intent" || typeof payment.payment_intent !== "string")
        return send(res, 400, invalid().answer);
      const data = invoicePayments.filter((p) => (p.payment as Json).payment_intent === payment.payment_intent);
      return send(res, 200, { object: "list", data, has_more: false, url: "/v1/invoice_payments" });
    }
    const invoice = /^\/v1\/invoices\/([^/]+)$/.exec(url.pathname)?.[1];
    if (req.method === "GET" && invoice) {
      const found = invoices.get(invoice);
      if (found) return send(res, 200, found);
      return send(res, 404, stripeError("invalid_request_error", `No such invoice: '${invoice}'`, "resource_missing"));
    }
    const intent = /^\/v1\/payment_intents\/([^/]+)$/.exec(url.pathname)?.[1];
    if (req.method === "GET" && intent) {
      const found = intents.get(intent);
      if (found) return send(res, 200, found);
      return send(
        res,
        404,
        stripeError("invalid_request_error", `No such payment_intent: '${intent}'`, "resource_missing"),
      );
    }
    const customer = /^\/v1\/customers\/([^/]+)$/.exec(url.pathname)?.[1];
    if (req.method === "GET" && customer) {
      const found = customers.get(customer);
      if (found) return send(res, 200, found);
      return send(
        res,
        404,
        stripeError("invalid_request_error", `No such customer: '${customer}'`, "resource_missing"),
      );
    }
    const create = req.method === "POST" ? CREATES[url.pathname] : undefined;
    if (!create) {
      return send(
        res,
        404,
        stripeError("invalid_request_error", `Unrecognized request URL (${req.method}: ${url.pathname}).`),
      );
    }
    const failure = failures.find((f) => rawBody.includes(encodeURIComponent(f.marker)) || rawBody.includes(f.marker));
    if (failure) return fail(res, failure);
    const key = headers["idempotency-key"];
    const earlier = key === undefined ? undefined : replays.get(key);
    if (earlier && earlier.body !== rawBody) {
      const message =
        "Keys for idempotent requests can only be used with the same parameters they were first used with.";
      return send(res, 400, stripeError("idempotency_error", message));
    }
    if (earlier) return send(res, earlier.status, earlier.answer, { "idempotent-replayed": "true" });
    const created = { customers: createCustomer, sessions: createSession, portal: createPortalSession }[create](
      record.form,
    );
    if (key !== undefined) replays.set(key, { body: rawBody, ...created });
    return send(res, created.status, created.answer);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, stripeError("api_error", String(error))));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
