import { configureOpenAPI } from "./lib/configure-openapi.ts";
import { createApp } from "./lib/create-app.ts";
import type { AppOpenAPI } from "./lib/types.ts";
import { healthRouter } from "./routes/health/health.index.ts";

/** The whole gateway: middleware order lives in createApp, routers are mounted here. */
export function buildApp(): AppOpenAPI {
  const app = createApp();
  configureOpenAPI(app);
  app.get("/", (c) => c.redirect("/docs", 302));
  app.route("/", healthRouter);
  return app;
}

export const app = buildApp();
