import { configureOpenAPI } from "./lib/configure-openapi.ts";
import { createApp } from "./lib/create-app.ts";
import type { AppOpenAPI } from "./lib/types.ts";
import { authenticate, requireAdmin } from "./middleware/auth.ts";
import { rateLimit } from "./middleware/rate-limit.ts";
import { adminRouter } from "./routes/admin/admin.index.ts";
import { audioRouter } from "./routes/audio/audio.index.ts";
import { balanceRouter } from "./routes/balance/balance.index.ts";
import { billingRouter } from "./routes/billing/billing.index.ts";
import { chatRouter } from "./routes/chat/chat.index.ts";
import { healthRouter } from "./routes/health/health.index.ts";
import { imagesRouter } from "./routes/images/images.index.ts";
import { keysRouter } from "./routes/keys/keys.index.ts";
import { modelsRouter } from "./routes/models/models.index.ts";
import { pagesRouter } from "./routes/pages/pages.index.ts";
import { plansRouter } from "./routes/plans/plans.index.ts";
import { usageRouter } from "./routes/usage/usage.index.ts";
import { webhooksRouter } from "./routes/webhooks/webhooks.index.ts";

/** The whole gateway: middleware order lives in createApp, routers are mounted here. */
export function buildApp(): AppOpenAPI {
  const app = createApp();
  configureOpenAPI(app);
  app.get("/", (c) => c.redirect("/docs", 302));
  app.route("/", pagesRouter);
  // Public, so mounted before /v1/* authentication.
  app.route("/", plansRouter);
  app.use("/v1/*", authenticate(), rateLimit());
  app.use("/admin/*", requireAdmin());
  app.route("/", healthRouter);
  app.route("/", balanceRouter);
  app.route("/", chatRouter);
  app.route("/", imagesRouter);
  app.route("/", audioRouter);
  app.route("/", usageRouter);
  app.route("/", modelsRouter);
  app.route("/", keysRouter);
  app.route("/", billingRouter);
  app.route("/", webhooksRouter);
  app.route("/", adminRouter(app));
  return app;
}

export const app = buildApp();
