// A fake PayPal REST API for the route tests (Node, started in test/global-setup.ts), reached through
// PAYPAL_BASE_URL. It speaks PayPal's wire format: OAuth2 client credentials (Basic auth, expires_in),
// Bearer tokens, PayPal-Request-Id replays, Orders v2 with the buyer's approval, Payments v2 captures
// and refunds, and verify-webhook-signature. Errors are `{name, message, debug_id, details: [{issue}]}`.
//   POST /v1/oauth2/token                           a token (counted per client id)
//   POST /v2/checkout/orders                        creates an order (PAYER_ACTION_REQUIRED, payer-action link)
//   GET  /v2/checkout/orders/<id>                   the order
//   POST /v2/checkout/orders/<id>/capture           captures an APPROVED order (422 ORDER_NOT_APPROVED otherwise)
//   GET  /v2/payments/captures/<id>, /v2/payments/refunds/<id>
//   POST /v1/notifications/verify-webhook-signature SUCCESS for an event as /__fake/webhooks/sign sent it, else FAILURE
// Test-only routes:
//   POST /__fake/orders/<id>/approve      {capture?: "PENDING"}: the buyer approved (the capture will be PENDING)
//   GET  /__fake/captures/<id>            a capture as a PAYMENT.CAPTURE.* event carries it
//   POST /__fake/captures/<id>/complete   a PENDING capture completes; answers the capture
//   POST /__fake/captures/<id>/refund     {value, total?: false}: refunds part of it; answers the refund
//   POST /__fake/webhooks/sign            body = an event: answers {headers, body} as PayPal would deliver it
//   POST /__fake/clients                  {client_id, client_secret, expires_in}: another app's credentials
//   GET  /__fake/tokens?client_id=<id>    {count}: token requests made with that client id
//   POST /__fake/tokens/revoke            {client_id}: its tokens answer 401 from now on
//   GET  /__fake/requests?marker=<text>   recorded API requests whose path or raw body contains the text
//   POST /__fake/stall                    {marker, mode: "headers"|"body"}: the next API request whose path
//                                         contains the marker never answers ("headers", not applied), or is
//                                         applied and answers its headers and half its body, then holds
//                                         (both end after 10 s)
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface PayPalRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  rawBody: string;
}

export interface FakePayPal {
  url: string;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
type Money = { currency_code: string; value: string };

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const paypalId = (length = 17) => Array.from(randomBytes(length), (b) => ALNUM[b % ALNUM.length]).join("");
const cents = (money: Money) => Math.round(Number(money.value) * 100);
const usd = (value: number): Money => ({ currency_code: "USD", value: (value / 100).toFixed(2) });
const iso = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

export async function startFakePayPal(credentials: {
  clientId: string;
  clientSecret: string;
  webhookId: string;
}): Promise<FakePayPal> {
  const clients = new Map([[credentials.clientId, { secret: credentials.clientSecret, expires_in: 32_400 }]]);
  const tokenCounts = new Map<string, number>();
  const tokens = new Map<string, string>();
  const orders = new Map<string, Json & { status: string; purchase_units: Json[] }>();
  const pendingCapture = new Set<string>();
  const captures = new Map<string, Json & { status: string; amount: Money; order_id: string; refunded: number }>();
  const refunds = new Map<string, Json>();
  const replays = new Map<string, { status: number; body: unknown }>();
  const signed = new Map<string, { transmission_id: string; time: string; cert_url: string; event: string }>();
  const requests: PayPalRequest[] = [];
  let base = "";

  const stalls: { marker: string; mode: "headers" | "body" }[] = [];
  /** Holds a stalled answer's socket until the client leaves, at most 10 s. */
  const hold = (res: ServerResponse) => {
    const timer = setTimeout(() => res.destroy(), 10_000);
    res.on("close", () => clearTimeout(timer));
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "paypal-debug-id": randomBytes(7).toString("hex") });
    res.end(body === undefined ? "" : JSON.stringify(body));
  };
  const error = (name: string, message: string, issue?: string) => ({
    name,
    message,
    debug_id: randomBytes(7).toString("hex"),
    ...(issue ? { details: [{ issue, description: message }] } : {}),
  });
  const notFound = () => error("RESOURCE_NOT_FOUND", "The specified resource does not exist.", "INVALID_RESOURCE_ID");

  const captureView = (capture: Json & { order_id: string; refunded: number }, withOrder: boolean) => {
    const { order_id, refunded: _refunded, ...fields } = capture;
    return withOrder ? { ...fields, supplementary_data: { related_ids: { order_id } } } : fields;
  };
  const orderView = (order: Json & { purchase_units: Json[] }) => ({
    ...order,
    purchase_units: order.purchase_units.map((unit) => {
      const payments = unit.payments as { captures: string[] } | undefined;
      if (!payments) return unit;
      const list = payments.captures.map((id) => captures.get(id)).filter((c) => c !== undefined);
      return { ...unit, payments: { captures: list.map((c) => captureView(c, false)) } };
    }),
  });

  function createOrder(body: Json): { status: number; body: unknown } {
    const units = body.purchase_units as Json[] | undefined;
    const unit = units?.[0];
    const amount = unit?.amount as Money | undefined;
    const valid =
      body.intent === "CAPTURE" &&
      units?.length === 1 &&
      amount?.currency_code === "USD" &&
      /^\d{1,7}(\.\d{2})?$/.test(amount.value) &&
      (unit?.custom_id === undefined || String(unit.custom_id).length <= 127);
    if (!valid) {
      return {
        status: 400,
        body: error(
          "INVALID_REQUEST",
          "Request is not well-formed, syntactically incorrect, or violates schema.",
          "INVALID_PARAMETER_VALUE",
        ),
      };
    }
    const id = paypalId();
    const viaSource = body.payment_source !== undefined;
    const order = {
      id,
      intent: "CAPTURE",
      status: viaSource ? "PAYER_ACTION_REQUIRED" : "CREATED",
      ...(viaSource ? { payment_source: { paypal: {} } } : {}),
      purchase_units: [
        {
          reference_id: unit?.reference_id ?? "default",
          amount,
          payee: { email_address: "merchant@example.com", merchant_id: "C7CYMKZDG8D6E" },
          ...(unit?.description === undefined ? {} : { description: unit.description }),
          ...(unit?.custom_id === undefined ? {} : { custom_id: unit.custom_id }),
        },
      ],
      create_time: iso(),
      links: [
        { href: `${base}/v2/checkout/orders/${id}`, rel: "self", method: "GET" },
        {
          href: `https://www.sandbox.paypal.com/checkoutnow?token=${id}`,
          rel: viaSource ? "payer-action" : "approve",
          method: "GET",
        },
        { href: `${base}/v2/checkout/orders/${id}`, rel: "update", method: "PATCH" },
        { href: `${base}/v2/checkout/orders/${id}/capture`, rel: "capture", method: "POST" },
      ],
    };
    orders.set(id, order);
    const { purchase_units: _units, create_time: _time, intent: _intent, ...minimal } = order;
    return { status: 200, body: minimal };
  }

  function captureOrder(id: string, prefer: string | undefined): { status: number; body: unknown } {
    const order = orders.get(id);
    if (!order) return { status: 404, body: notFound() };
    if (order.status === "COMPLETED") {
      return {
        status: 422,
        body: error(
          "UNPROCESSABLE_ENTITY",
          "Order already captured. If 'intent=CAPTURE' only one capture per order is allowed.",
          "ORDER_ALREADY_CAPTURED",
        ),
      };
    }
    if (order.status !== "APPROVED") {
      return {
        status: 422,
        body: error("UNPROCESSABLE_ENTITY", "Payer has not yet approved the Order for payment.", "ORDER_NOT_APPROVED"),
      };
    }
    const unit = order.purchase_units[0] as Json & { amount: Money };
    const captureId = paypalId();
    const pending = pendingCapture.has(id);
    const capture = {
      id: captureId,
      status: pending ? "PENDING" : "COMPLETED",
      ...(pending ? { status_details: { reason: "PENDING_REVIEW" } } : {}),
      amount: unit.amount,
      final_capture: true,
      seller_protection: { status: "ELIGIBLE", dispute_categories: ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"] },
      seller_receivable_breakdown: {
        gross_amount: unit.amount,
        paypal_fee: usd(Math.round(cents(unit.amount) * 0.0349) + 49),
        net_amount: usd(cents(unit.amount) - Math.round(cents(unit.amount) * 0.0349) - 49),
      },
      ...(unit.custom_id === undefined ? {} : { custom_id: unit.custom_id }),
      links: [
        { href: `${base}/v2/payments/captures/${captureId}`, rel: "self", method: "GET" },
        { href: `${base}/v2/payments/captures/${captureId}/refund`, rel: "refund", method: "POST" },
        { href: `${base}/v2/checkout/orders/${id}`, rel: "up", method: "GET" },
      ],
      create_time: iso(),
      update_time: iso(),
      order_id: id,
      refunded: 0,
    };
    captures.set(captureId, capture);
    unit.payments = { captures: [captureId] };
    order.status = "COMPLETED";
    order.payer = { name: { given_name: "John", surname: "Doe" }, email_address: "buyer@example.com" };
    const view = orderView(order);
    if (prefer === "return=representation") return { status: 201, body: view };
    return { status: 201, body: { id, status: order.status, links: order.links } };
  }

  function refund(captureId: string, body: { value: string; total?: boolean }): { status: number; body: unknown } {
    const capture = captures.get(captureId);
    if (!capture) return { status: 404, body: notFound() };
    const amount = Math.round(Number(body.value) * 100);
    const paid = cents(capture.amount);
    if (!(amount > 0) || capture.refunded + amount > paid) {
      return { status: 422, body: error("UNPROCESSABLE_ENTITY", "Refund exceeds the capture.", "AMOUNT_EXCEEDED") };
    }
    capture.refunded += amount;
    capture.status = capture.refunded === paid ? "REFUNDED" : "PARTIALLY_REFUNDED";
    const id = paypalId();
    const stored = {
      id,
      amount: usd(amount),
      seller_payable_breakdown: {
        gross_amount: usd(amount),
        paypal_fee: usd(0),
        net_amount: usd(amount),
        total_refunded_amount: usd(capture.refunded),
      },
      status: "COMPLETED",
      create_time: iso(),
      update_time: iso(),
      links: [
        { href: `${base}/v2/payments/refunds/${id}`, rel: "self", method: "GET" },
        { href: `${base}/v2/payments/captures/${captureId}`, rel: "up", method: "GET" },
      ],
    };
    refunds.set(id, stored);
    if (body.total === false) {
      const { seller_payable_breakdown: _breakdown, ...bare } = stored;
      return { status: 201, body: bare };
    }
    return { status: 201, body: stored };
  }

  function verify(body: Json): { status: number; body: unknown } {
    const fields = [
      "auth_algo",
      "cert_url",
      "transmission_id",
      "transmission_sig",
      "transmission_time",
      "webhook_id",
      "webhook_event",
    ];
    const missing = fields.find((field) => body[field] === undefined || body[field] === "");
    if (missing) {
      return {
        status: 400,
        body: error("VALIDATION_ERROR", `Invalid data provided: ${missing}`, "MISSING_REQUIRED_PARAMETER"),
      };
    }
    const sent = signed.get(String(body.transmission_sig));
    const ok =
      sent !== undefined &&
      body.auth_algo === "SHA256withRSA" &&
      body.webhook_id === credentials.webhookId &&
      body.transmission_id === sent.transmission_id &&
      body.transmission_time === sent.time &&
      body.cert_url === sent.cert_url &&
      JSON.stringify(body.webhook_event) === sent.event;
    return { status: 200, body: { verification_status: ok ? "SUCCESS" : "FAILURE" } };
  }

  function sign(raw: string): unknown {
    const transmission_id = randomUUID();
    const time = iso();
    const sig = randomBytes(64).toString("base64");
    const cert_url = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77";
    signed.set(sig, { transmission_id, time, cert_url, event: JSON.stringify(JSON.parse(raw)) });
    return {
      body: raw,
      headers: {
        "paypal-transmission-id": transmission_id,
        "paypal-transmission-time": time,
        "paypal-transmission-sig": sig,
        "paypal-cert-url": cert_url,
        "paypal-auth-algo": "SHA256withRSA",
      },
    };
  }

  function control(method: string, path: string, raw: string, url: URL): { status: number; body: unknown } | null {
    const body = raw === "" ? {} : (JSON.parse(raw) as Json);
    if (path === "/__fake/requests") {
      const marker = url.searchParams.get("marker") ?? "";
      return { status: 200, body: requests.filter((r) => r.rawBody.includes(marker) || r.path.includes(marker)) };
    }
    if (path === "/__fake/stall" && method === "POST") {
      stalls.push({ marker: String(body.marker), mode: body.mode === "body" ? "body" : "headers" });
      return { status: 200, body: {} };
    }
    if (path === "/__fake/tokens") {
      return { status: 200, body: { count: tokenCounts.get(url.searchParams.get("client_id") ?? "") ?? 0 } };
    }
    if (path === "/__fake/tokens/revoke" && method === "POST") {
      for (const [access, owner] of tokens) if (owner === body.client_id) tokens.delete(access);
      return { status: 200, body: {} };
    }
    if (path === "/__fake/clients" && method === "POST") {
      clients.set(String(body.client_id), { secret: String(body.client_secret), expires_in: Number(body.expires_in) });
      return { status: 200, body: {} };
    }
    if (path === "/__fake/webhooks/sign" && method === "POST") return { status: 200, body: sign(raw) };
    const approve = /^\/__fake\/orders\/([^/]+)\/approve$/.exec(path)?.[1];
    if (approve && method === "POST") {
      const order = orders.get(approve);
      if (!order) return { status: 404, body: notFound() };
      if (order.status === "CREATED" || order.status === "PAYER_ACTION_REQUIRED") order.status = "APPROVED";
      if (body.capture === "PENDING") pendingCapture.add(approve);
      return { status: 200, body: orderView(order) };
    }
    const shown = /^\/__fake\/captures\/([^/]+)$/.exec(path)?.[1];
    if (shown && method === "GET") {
      const capture = captures.get(shown);
      return capture ? { status: 200, body: captureView(capture, true) } : { status: 404, body: notFound() };
    }
    const complete = /^\/__fake\/captures\/([^/]+)\/complete$/.exec(path)?.[1];
    if (complete && method === "POST") {
      const capture = captures.get(complete);
      if (!capture) return { status: 404, body: notFound() };
      capture.status = "COMPLETED";
      delete capture.status_details;
      capture.update_time = iso();
      return { status: 200, body: captureView(capture, true) };
    }
    const refunded = /^\/__fake\/captures\/([^/]+)\/refund$/.exec(path)?.[1];
    if (refunded && method === "POST") return refund(refunded, body as { value: string; total?: boolean });
    return null;
  }

  function token(headers: Record<string, string>, raw: string): { status: number; body: unknown } {
    const [scheme, encoded] = (headers.authorization ?? "").split(" ");
    const decoded = scheme === "Basic" ? Buffer.from(encoded ?? "", "base64").toString("utf8") : "";
    const colon = decoded.indexOf(":");
    const id = decoded.slice(0, colon);
    const client = colon > 0 ? clients.get(id) : undefined;
    if (!client || client.secret !== decoded.slice(colon + 1)) {
      return { status: 401, body: { error: "invalid_client", error_description: "Client Authentication failed" } };
    }
    if (new URLSearchParams(raw).get("grant_type") !== "client_credentials") {
      return { status: 400, body: { error: "unsupported_grant_type", error_description: "Grant Type is NULL" } };
    }
    tokenCounts.set(id, (tokenCounts.get(id) ?? 0) + 1);
    const access = `A21AA${randomBytes(24).toString("base64url")}`;
    tokens.set(access, id);
    return {
      status: 200,
      body: {
        scope: "https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/refund",
        access_token: access,
        token_type: "Bearer",
        app_id: "APP-80W284485P519543T",
        expires_in: client.expires_in,
        nonce: `${iso()}${randomBytes(8).toString("hex")}`,
      },
    };
  }

  function api(method: string, path: string, headers: Record<string, string>, raw: string) {
    if (method === "POST" && path === "/v1/oauth2/token") return token(headers, raw);
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
    if (!bearer || !tokens.has(bearer)) {
      return {
        status: 401,
        body: { error: "invalid_token", error_description: "Token signature verification failed" },
      };
    }
    if (method === "POST" && path === "/v1/notifications/verify-webhook-signature") {
      return verify(JSON.parse(raw) as Json);
    }
    const requestId = headers["paypal-request-id"];
    const replayKey = requestId === undefined ? undefined : `${path}\n${requestId}`;
    const earlier = replayKey === undefined ? undefined : replays.get(replayKey);
    if (earlier) return { status: earlier.status === 201 ? 200 : earlier.status, body: earlier.body };
    let answer: { status: number; body: unknown } | null = null;
    if (method === "POST" && path === "/v2/checkout/orders") answer = createOrder(JSON.parse(raw || "{}") as Json);
    const captureOf = /^\/v2\/checkout\/orders\/([^/]+)\/capture$/.exec(path)?.[1];
    if (method === "POST" && captureOf) answer = captureOrder(captureOf, headers.prefer);
    const orderOf = /^\/v2\/checkout\/orders\/([^/]+)$/.exec(path)?.[1];
    if (method === "GET" && orderOf) {
      const order = orders.get(orderOf);
      answer = order ? { status: 200, body: orderView(order) } : { status: 404, body: notFound() };
    }
    const captureId = /^\/v2\/payments\/captures\/([^/]+)$/.exec(path)?.[1];
    if (method === "GET" && captureId) {
      const capture = captures.get(captureId);
      answer = capture ? { status: 200, body: captureView(capture, true) } : { status: 404, body: notFound() };
    }
    const refundId = /^\/v2\/payments\/refunds\/([^/]+)$/.exec(path)?.[1];
    if (method === "GET" && refundId) {
      const found = refunds.get(refundId);
      answer = found ? { status: 200, body: found } : { status: 404, body: notFound() };
    }
    answer ??= { status: 404, body: error("NOT_FOUND", `No route ${method} ${path}`) };
    if (replayKey !== undefined && answer.status < 500) replays.set(replayKey, answer);
    return answer;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const method = req.method ?? "GET";
    if (url.pathname.startsWith("/__fake/")) {
      const answer = control(method, url.pathname, rawBody, url);
      return answer ? send(res, answer.status, answer.body) : send(res, 404, error("NOT_FOUND", "no such control"));
    }
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    requests.push({ method, path: url.pathname, headers, rawBody });
    const stall = stalls.findIndex((s) => url.pathname.includes(s.marker));
    const mode = stall >= 0 ? stalls.splice(stall, 1)[0]?.mode : undefined;
    if (mode === "headers") return hold(res);
    const answer = api(method, url.pathname, headers, rawBody);
    if (mode === "body") {
      const text = JSON.stringify(answer.body);
      res.writeHead(answer.status, { "content-type": "application/json", "content-length": String(text.length) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      return hold(res);
    }
    return send(res, answer.status, answer.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, error("INTERNAL_SERVER_ERROR", String(err)));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
