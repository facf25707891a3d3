import { openAPIDocument, withServer } from "../../lib/configure-openapi.ts";
import { createRouter } from "../../lib/create-app.ts";
import type { AppOpenAPI } from "../../lib/types.ts";
import * as handlers from "./admin.handlers.ts";
import * as routes from "./admin.routes.ts";
import { paymentEvents } from "./billing-events.handlers.ts";
import { listPaymentEvents } from "./billing-events.routes.ts";
import { staleHolds } from "./holds.handlers.ts";
import { listStaleHolds } from "./holds.routes.ts";
import { rapidApiUsageReport } from "./rapidapi-usage.handlers.ts";
import { rapidApiUsage } from "./rapidapi-usage.routes.ts";

/** Admin routes; `requireAdmin` guards `/admin/*` in app.ts. `app` is the whole gateway, for its full document. */
export function adminRouter(app: AppOpenAPI) {
  return createRouter()
    .openapi(routes.addCredits, handlers.addCredits)
    .openapi(routes.createAccount, handlers.createAccount)
    .openapi(routes.createAccountKey, handlers.createAccountKey)
    .openapi(listPaymentEvents, paymentEvents)
    .openapi(rapidApiUsage, rapidApiUsageReport)
    .openapi(listStaleHolds, staleHolds)
    .get("/admin/openapi.json", (c) => c.json(withServer(openAPIDocument(app, "admin"), c.req.url)));
}
