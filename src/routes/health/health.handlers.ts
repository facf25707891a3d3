import type { AppRouteHandler } from "../../lib/types.ts";
import type { getHealth } from "./health.routes.ts";

export const health: AppRouteHandler<typeof getHealth> = (c) => c.json({ status: "ok" as const }, 200);
