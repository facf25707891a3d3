import { it } from "vitest";
import { ADMIN_SECRET, bearer, grant, gw, newAccount } from "../helpers/gateway.ts";
import { event, signature } from "../helpers/stripe.ts";

const show = async (label: string, res: Response) =>
  console.log("PROBE", label, res.status, (await res.text()).slice(0, 300));
it("probe", async () => {
  const a = await newAccount();
  for (let i = 0; i < 12; i++) await show(`grant${i}`, await grant({ accountId: a.account_id }, 1_000_000_000));
  await show("balance", await gw("/v1/balance", { headers: bearer(a.key) }));
  await show("usage", await gw("/v1/usage", { headers: bearer(a.key) }));
  let deep: unknown = { type: "string" };
  for (let i = 0; i < 3000; i++) deep = { type: "object", properties: { a: deep } };
  for (const model of ["google/gemini-2.5-flash", "anthropic/claude-sonnet-4-5", "openai/gpt-4o-mini"]) {
    await show(
      `deep-${model}`,
      await gw("/v1/chat/completions", {
        method: "POST",
        headers: { ...bearer(a.key), "content-type": "application/json" },
        body: JSON.stringify({
          model,
          messages: [{ role: "user", content: "hi" }],
          tools: [{ type: "function", function: { name: "f", parameters: deep } }],
        }),
      }),
    );
    let nest: unknown = "x";
    for (let i = 0; i < 3000; i++) nest = [nest];
    await show(
      `deepcontent-${model}`,
      await gw("/v1/chat/completions", {
        method: "POST",
        headers: { ...bearer(a.key), "content-type": "application/json" },
        body: JSON.stringify({
          model,
          messages: [{ role: "user", content: [{ type: "foo", x: nest }] }],
          response_format: { type: "json_schema", json_schema: { name: "x", schema: deep } },
        }),
      }),
    );
  }
  for (const credits of ["1e9", "99999999999999999999", "-5", "0.5", "5000"]) {
    const e = event("checkout.session.completed", {
      id: `cs_${credits}`,
      object: "checkout.session",
      mode: "payment",
      payment_status: "paid",
      status: "complete",
      client_reference_id: a.account_id,
      metadata: { account_id: a.account_id, credits },
      payment_intent: "pi_x",
      amount_total: 1e20,
      currency: "usd",
    });
    const text = JSON.stringify(e);
    await show(
      `webhook-${credits}`,
      await gw("/webhooks/stripe", {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": await signature(text) },
        body: text,
      }),
    );
  }
  for (const p of ["/v1/models/%ZZ", "/v1/models/%ED%A0%80", "/v1/keys/%ZZ", "/v1/keys/%ED%A0%80/rotate"])
    await show(p, await gw(p, { method: p.includes("rotate") ? "POST" : "GET", headers: bearer(a.key) }));
  for (const p of ["/admin/accounts/%ZZ/keys", "/admin/accounts/%ED%A0%80/keys"])
    await show(
      p,
      await gw(p, {
        method: "POST",
        headers: { "x-admin-secret": ADMIN_SECRET, "content-type": "application/json" },
        body: "{}",
      }),
    );
  for (let i = 0; i < 2; i++)
    await show(
      "collide",
      await gw("/v1/chat/completions", {
        method: "POST",
        headers: { ...bearer(a.key), "content-type": "application/json", "x-request-id": "collide-1" },
        body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
      }),
    );
  await show("balance", await gw("/v1/balance", { headers: bearer(a.key) }));
  await show(
    "admin-big",
    await gw("/admin/add-credits", {
      method: "POST",
      headers: { "x-admin-secret": ADMIN_SECRET, "content-type": "application/json" },
      body: JSON.stringify({ accountId: a.account_id, credits: 1e9 }),
    }),
  );
  await show(
    "events",
    await gw(`/admin/billing/events?account_id=${a.account_id}`, { headers: { "x-admin-secret": ADMIN_SECRET } }),
  );
});
