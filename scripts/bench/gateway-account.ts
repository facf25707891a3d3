// The bench's gateway account: its balance, and enough credits for every planned call.
import { MAX_CREDITS_PER_STEP } from "../../src/lib/money.ts";
import { chatBody } from "./load.ts";

export async function balanceMicros(url: string, key: string): Promise<number> {
  const res = await fetch(`${url}/v1/balance`, { headers: { authorization: `Bearer ${key}` } });
  if (res.status !== 200) throw new Error(`gateway /v1/balance answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { credits_micros: number }).credits_micros;
}

/**
 * Makes one chat call to learn the charge per call, then tops the account up through the admin API
 * when twice the planned spend (plus room for 32 holds) is more than the balance. Returns the charge.
 */
export async function ensureCredits(url: string, key: string, adminSecret: string, plannedCalls: number) {
  const before = await balanceMicros(url, key);
  const probe = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: chatBody("openai/gpt-4o-mini", false),
  });
  await probe.text();
  const charged = Math.round(Number(probe.headers.get("x-credits-charged")) * 1_000_000);
  if (probe.status !== 200 || !Number.isFinite(charged)) throw new Error(`gateway chat probe answered ${probe.status}`);
  const needMicros = 2 * plannedCalls * charged + 32 * 10_000_000;
  if (before - charged < needMicros) {
    const res = await fetch(`${url}/admin/add-credits`, {
      method: "POST",
      headers: { "x-admin-secret": adminSecret, "content-type": "application/json" },
      body: JSON.stringify({ apiKey: key, credits: Math.min(MAX_CREDITS_PER_STEP, Math.ceil(needMicros / 1_000_000)) }),
    });
    if (res.status !== 200) throw new Error(`admin grant answered ${res.status}: ${await res.text()}`);
  }
  return charged;
}
