import type { z } from "zod";
import type { Config } from "../env.ts";
import { ApiError } from "../lib/errors.ts";
import {
  CaptureSchema,
  ErrorSchema,
  OrderSchema,
  OrderStubSchema,
  type PayPalCapture,
  type PayPalOrder,
  type PayPalRefund,
  type PayPalWebhookEvent,
  RefundSchema,
  VerifyAnswerSchema,
  WebhookEventSchema,
} from "./paypal.api-types.ts";
import { centsToValue, creditsReference } from "./paypal-amount.ts";
import { createPayPalHttp, notConfigured, type PayPalDeps } from "./paypal-http.ts";

export type { PayPalDeps } from "./paypal-http.ts";

export interface OrderRequest {
  account_id: string;
  credits: number;
  amount_cents: number;
  description: string;
  return_url: string;
  cancel_url: string;
  /** Sent as PayPal-Request-Id: a retried create answers the same order. */
  request_id: string;
}

/** Why PayPal would not capture an order (its 422 issues), or null when it has no such order. */
export type CaptureRefusal = "not_approved" | "already_captured" | "declined" | "unprocessable";

/** The transmission headers PayPal signs a webhook delivery with. */
export const TRANSMISSION_HEADERS = [
  "paypal-transmission-id",
  "paypal-transmission-time",
  "paypal-transmission-sig",
  "paypal-cert-url",
  "paypal-auth-algo",
] as const;
export type TransmissionHeaders = Record<(typeof TRANSMISSION_HEADERS)[number], string | undefined>;

export interface PayPalBilling {
  /** Creates a CAPTURE order for the credits; 503 BILLING_NOT_CONFIGURED without client id and secret. */
  createOrder(request: OrderRequest): Promise<{ id: string; approve_url: string }>;
  getOrder(id: string): Promise<PayPalOrder | null>;
  /** Captures an approved order (idempotent by `requestId`): the order as PayPal answers it after the capture. */
  captureOrder(id: string, requestId: string): Promise<PayPalOrder | CaptureRefusal | null>;
  getCapture(id: string): Promise<PayPalCapture | null>;
  getRefund(id: string): Promise<PayPalRefund | null>;
  /**
   * The event, when PayPal's verify-webhook-signature says SUCCESS for these headers and this raw body
   * under PAYPAL_WEBHOOK_ID; else 400 INVALID_SIGNATURE; 502 when PayPal cannot answer (so it retries).
   */
  verify(headers: TransmissionHeaders, rawBody: string): Promise<PayPalWebhookEvent>;
}

const invalidSignature = (why: string) =>
  new ApiError("INVALID_SIGNATURE", `The PayPal webhook could not be verified: ${why}.`);

/** Built once per isolate (src/services.ts): the OAuth token is cached in it until it expires. */
export function createPayPalBilling(config: Config, deps: PayPalDeps): PayPalBilling {
  const { api, expect, failure } = createPayPalHttp(config, deps);

  async function getOne<T extends z.ZodType>(op: string, path: string, schema: T): Promise<z.infer<T> | null> {
    const answer = await api(op, { method: "GET", path });
    if (answer.status === 404) return null;
    return expect(op, answer, schema);
  }

  const json = (requestId?: string) => ({
    "content-type": "application/json",
    ...(requestId === undefined ? {} : { "paypal-request-id": requestId }),
  });

  return {
    async createOrder(request) {
      const body = {
        intent: "CAPTURE",
        purchase_units: [
          {
            reference_id: creditsReference(request.credits),
            custom_id: request.account_id,
            description: request.description,
            amount: { currency_code: "USD", value: centsToValue(request.amount_cents) },
          },
        ],
        payment_source: {
          paypal: {
            experience_context: {
              shipping_preference: "NO_SHIPPING",
              user_action: "PAY_NOW",
              return_url: request.return_url,
              cancel_url: request.cancel_url,
            },
          },
        },
      };
      const op = "orders.create";
      const answer = await api(op, {
        method: "POST",
        path: "/v2/checkout/orders",
        body: JSON.stringify(body),
        headers: json(request.request_id),
      });
      const order = expect(op, answer, OrderStubSchema);
      const approve = order.links.find((link) => link.rel === "payer-action" || link.rel === "approve");
      if (!approve) throw failure(op, { status: 502, body: null }, "no approve link");
      return { id: order.id, approve_url: approve.href };
    },

    getOrder: (orderId) => getOne("orders.get", `/v2/checkout/orders/${encodeURIComponent(orderId)}`, OrderSchema),

    async captureOrder(orderId, requestId) {
      const op = "orders.capture";
      const answer = await api(op, {
        method: "POST",
        path: `/v2/checkout/orders/${encodeURIComponent(orderId)}/capture`,
        headers: { ...json(requestId), prefer: "return=representation" },
      });
      if (answer.status === 404) return null;
      if (answer.status === 422) {
        const issue = ErrorSchema.safeParse(answer.body).data?.details?.[0]?.issue;
        if (issue === "ORDER_NOT_APPROVED") return "not_approved";
        if (issue === "ORDER_ALREADY_CAPTURED") return "already_captured";
        if (issue === "INSTRUMENT_DECLINED") return "declined";
        failure(op, answer);
        return "unprocessable";
      }
      return expect(op, answer, OrderSchema);
    },

    getCapture: (captureId) =>
      getOne("captures.get", `/v2/payments/captures/${encodeURIComponent(captureId)}`, CaptureSchema),

    getRefund: (refundId) =>
      getOne("refunds.get", `/v2/payments/refunds/${encodeURIComponent(refundId)}`, RefundSchema),

    async verify(headers, rawBody) {
      const webhookId = config.PAYPAL_WEBHOOK_ID;
      if (webhookId === undefined) throw notConfigured("PAYPAL_WEBHOOK_ID");
      const missing = TRANSMISSION_HEADERS.filter((name) => !headers[name]);
      if (missing.length > 0) throw invalidSignature(`missing ${missing.join(", ")}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody);
      } catch {
        throw invalidSignature("the body is not JSON");
      }
      const event = WebhookEventSchema.safeParse(parsed);
      if (!event.success) throw invalidSignature("the body is not a PayPal event");
      // The event goes back byte for byte: PayPal checks its signature over the body as it sent it.
      const body = `{"auth_algo":${JSON.stringify(headers["paypal-auth-algo"])},"cert_url":${JSON.stringify(
        headers["paypal-cert-url"],
      )},"transmission_id":${JSON.stringify(headers["paypal-transmission-id"])},"transmission_sig":${JSON.stringify(
        headers["paypal-transmission-sig"],
      )},"transmission_time":${JSON.stringify(headers["paypal-transmission-time"])},"webhook_id":${JSON.stringify(
        webhookId,
      )},"webhook_event":${rawBody}}`;
      const op = "notifications.verify-webhook-signature";
      const answer = await api(op, {
        method: "POST",
        path: "/v1/notifications/verify-webhook-signature",
        body,
        headers: json(),
      });
      // PayPal refusing the headers (400) is a failed verification; PayPal failing is not: it retries.
      if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
        throw invalidSignature("PayPal refused the transmission headers");
      }
      const verdict = expect(op, answer, VerifyAnswerSchema);
      if (verdict.verification_status !== "SUCCESS") throw invalidSignature("PayPal answered FAILURE");
      return event.data;
    },
  };
}
