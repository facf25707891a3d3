import { describe, expect, it } from "vitest";
import { bearer, gwWith, uniqueKey } from "../helpers/gateway.ts";

describe("DEV_SEED_KEY", () => {
  it("works on first use with 10,000 credits, seeded once however often it is used", async () => {
    const seed = uniqueKey("seed");
    const call = () => gwWith({ DEV_SEED_KEY: seed }, "/v1/balance", { headers: bearer(seed) });
    const first = await Promise.all([call(), call(), call()]);
    for (const res of first) {
      expect(res.status).toBe(200);
      expect(((await res.json()) as { credits: number }).credits).toBe(10000);
    }
    const again = await call();
    expect(((await again.json()) as { credits: number }).credits).toBe(10000);
  });

  it("is just an unknown key when DEV_SEED_KEY is not set", async () => {
    const seed = uniqueKey("seed");
    const res = await gwWith({ DEV_SEED_KEY: undefined }, "/v1/balance", { headers: bearer(seed) });
    expect(res.status).toBe(401);
  });
});
