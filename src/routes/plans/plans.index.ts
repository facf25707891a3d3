import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./plans.handlers.ts";
import * as routes from "./plans.routes.ts";

/** Public: mounted before /v1/* authentication (src/app.ts). */
export const plansRouter = createRouter().openapi(routes.listPlans, handlers.plans);
