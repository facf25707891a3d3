import { z } from "zod";

/**
 * PayPal REST wire shapes, as far as the gateway reads them (OAuth2 token, Orders v2, Payments v2,
 * Notifications v1). Unknown fields pass; what is read is checked.
 */

export const TokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().int().positive(),
});

export const MoneySchema = z.object({ currency_code: z.string(), value: z.string() });
export type PayPalMoney = z.infer<typeof MoneySchema>;

export const LinkSchema = z.object({ href: z.string(), rel: z.string(), method: z.string().optional() });
const links = z.array(LinkSchema).default([]);

export const CaptureSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  amount: MoneySchema,
  custom_id: z.string().optional(),
  final_capture: z.boolean().optional(),
  status_details: z.object({ reason: z.string().optional() }).optional(),
  supplementary_data: z
    .object({ related_ids: z.object({ order_id: z.string().optional() }).partial().optional() })
    .optional(),
  links,
});
export type PayPalCapture = z.infer<typeof CaptureSchema>;

export const PurchaseUnitSchema = z.object({
  reference_id: z.string().optional(),
  custom_id: z.string().optional(),
  amount: MoneySchema,
  payments: z.object({ captures: z.array(CaptureSchema).default([]) }).optional(),
});
export type PayPalPurchaseUnit = z.infer<typeof PurchaseUnitSchema>;

export const OrderSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  intent: z.string().optional(),
  purchase_units: z.array(PurchaseUnitSchema).default([]),
  links,
});
export type PayPalOrder = z.infer<typeof OrderSchema>;

/** What create and capture answer with `Prefer: return=minimal`, or less: only the id and status are sure. */
export const OrderStubSchema = z.object({ id: z.string().min(1), status: z.string(), links });

export const RefundSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  amount: MoneySchema,
  custom_id: z.string().optional(),
  /** `total_refunded_amount` is the capture's cumulative refunded amount, this refund included. */
  seller_payable_breakdown: z.object({ total_refunded_amount: MoneySchema.optional() }).optional(),
  links,
});
export type PayPalRefund = z.infer<typeof RefundSchema>;

export const VerifyAnswerSchema = z.object({ verification_status: z.string() });

/** PayPal's error body (`{name, message, debug_id, details: [{issue}]}`), or OAuth's `{error}`. */
export const ErrorSchema = z.object({
  name: z.string().optional(),
  debug_id: z.string().optional(),
  details: z.array(z.object({ issue: z.string().optional() })).optional(),
  error: z.string().optional(),
});

export const WebhookEventSchema = z.object({
  id: z.string().min(1),
  event_type: z.string().min(1),
  resource_type: z.string().optional(),
  resource: z.unknown(),
});
export type PayPalWebhookEvent = z.infer<typeof WebhookEventSchema>;
