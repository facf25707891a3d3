import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./usage.handlers.ts";
import * as routes from "./usage.routes.ts";

export const usageRouter = createRouter().openapi(routes.getUsage, handlers.usage);
