import { createRouter } from "../../lib/create-app.ts";
import { requireNativeKey } from "../../middleware/auth.ts";
import * as handlers from "./keys.handlers.ts";
import * as routes from "./keys.routes.ts";

const router = createRouter();
router.use("/v1/keys", requireNativeKey());
router.use("/v1/keys/*", requireNativeKey());

export const keysRouter = router
  .openapi(routes.listKeys, handlers.listKeys)
  .openapi(routes.createKey, handlers.createKey)
  .openapi(routes.rotateKey, handlers.rotateKey)
  .openapi(routes.revokeKey, handlers.revokeKey);
