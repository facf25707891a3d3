import { createRouter } from "../../lib/create-app.ts";
import { requireNativeKey } from "../../middleware/auth.ts";
import * as handlers from "./billing.handlers.ts";
import * as routes from "./billing.routes.ts";
import * as paypalHandlers from "./paypal.handlers.ts";
import * as paypalRoutes from "./paypal.routes.ts";

const router = createRouter();
// RapidAPI bills its subscribers itself: buying credits is for direct key holders.
router.use("/v1/billing/*", requireNativeKey());

export const billingRouter = router
  .openapi(routes.checkout, handlers.checkout)
  .openapi(routes.portal, handlers.portal)
  .openapi(paypalRoutes.createOrder, paypalHandlers.createOrder)
  .openapi(paypalRoutes.captureOrder, paypalHandlers.captureOrder);
