import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./balance.handlers.ts";
import * as routes from "./balance.routes.ts";

export const balanceRouter = createRouter().openapi(routes.getBalance, handlers.balance);
