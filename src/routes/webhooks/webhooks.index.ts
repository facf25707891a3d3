import { createRouter } from "../../lib/create-app.ts";
import * as paypalHandlers from "./paypal.handlers.ts";
import * as paypalRoutes from "./paypal.routes.ts";
import * as handlers from "./webhooks.handlers.ts";
import * as routes from "./webhooks.routes.ts";

/** Payment providers' events: no key, no admin secret; each provider's signature is checked in its handler. */
export const webhooksRouter = createRouter()
  .openapi(routes.stripeWebhook, handlers.stripeWebhook)
  .openapi(paypalRoutes.paypalWebhook, paypalHandlers.paypalWebhook);
