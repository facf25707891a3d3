/** The name of the one analytics object (kept apart from its class, which only workerd can load). */
export const ANALYTICS_OBJECT = "analytics";
