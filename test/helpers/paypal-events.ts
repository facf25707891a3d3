/**
 * PayPal webhook events as PayPal sends them, and the fake PayPal's test controls. No workerd
 * imports: the Node tests (the gateway under wrangler dev) use these too.
 */

type Json = Record<string, unknown>;

export type PayPalEventBody = {
  id: string;
  event_type: string;
  resource_type: string;
  resource: Json;
} & Json;

export type Signed = { headers: Record<string, string>; body: string };

const hex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");

/** A webhook event around a capture or refund resource, shaped as PayPal's (v1 event, v2 resource). */
export function paypalEvent(eventType: string, resource: Json): PayPalEventBody {
  const id = `WH-${hex(8).toUpperCase()}-${hex(8).toUpperCase()}`;
  const amount = resource.amount as { value: string; currency_code: string } | undefined;
  return {
    id,
    event_version: "1.0",
    create_time: new Date().toISOString(),
    resource_type: eventType === "PAYMENT.CAPTURE.COMPLETED" ? "capture" : "refund",
    resource_version: "2.0",
    event_type: eventType,
    summary: `Payment ${eventType.split(".").at(-1)?.toLowerCase()} for $ ${amount?.value} ${amount?.currency_code}`,
    resource,
    links: [
      { href: `https://api.paypal.com/v1/notifications/webhooks-events/${id}`, rel: "self", method: "GET" },
      { href: `https://api.paypal.com/v1/notifications/webhooks-events/${id}/resend`, rel: "resend", method: "POST" },
    ],
  };
}

/** The fake PayPal's test controls (test/fakes/paypal.ts). */
export function paypalControl(baseUrl: string) {
  const call = async <T = Json>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`fake PayPal ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    /** The buyer approves the order; with "PENDING" its capture will be PENDING. */
    approve: (orderId: string, capture?: "PENDING") =>
      call(`/__fake/orders/${orderId}/approve`, capture ? { capture } : {}),
    capture: (captureId: string) => call(`/__fake/captures/${captureId}`),
    complete: (captureId: string) => call(`/__fake/captures/${captureId}/complete`, {}),
    /** Refunds `value` (USD, e.g. "20.00") of the capture; total: false leaves out the running total. */
    refund: (captureId: string, value: string, options: { total?: boolean } = {}) =>
      call(`/__fake/captures/${captureId}/refund`, { value, ...options }),
    /** What PayPal would deliver for this event: the raw body and its transmission headers. */
    sign: (event: PayPalEventBody) => call<Signed>("/__fake/webhooks/sign", JSON.stringify(event, null, 2)),
    tokens: async (clientId: string) => (await call<{ count: number }>(`/__fake/tokens?client_id=${clientId}`)).count,
    revokeTokens: (clientId: string) => call("/__fake/tokens/revoke", { client_id: clientId }),
    addClient: (clientId: string, clientSecret: string, expiresIn: number) =>
      call("/__fake/clients", { client_id: clientId, client_secret: clientSecret, expires_in: expiresIn }),
    /** The next API request whose path contains `marker` stalls: before its headers, or mid-body (applied). */
    stall: (marker: string, mode: "headers" | "body") => call("/__fake/stall", { marker, mode }),
    requests: (marker: string) =>
      call<{ method: string; path: string; headers: Record<string, string>; rawBody: string }[]>(
        `/__fake/requests?marker=${encodeURIComponent(marker)}`,
      ),
  };
}
export type PayPalControl = ReturnType<typeof paypalControl>;

/** Posts a delivery to a gateway's /webhooks/paypal. */
export function postPayPal(gatewayFetch: (path: string, init: RequestInit) => Promise<Response>, signed: Signed) {
  return gatewayFetch("/webhooks/paypal", {
    method: "POST",
    headers: { "content-type": "application/json", ...signed.headers },
    body: signed.body,
  });
}
