import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ADMIN_SECRET,
  bearer,
  grant,
  gw,
  gwWith,
  json,
  newAccount,
  RAPIDAPI_SECRET,
  rapid,
  uniqueKey,
} from "../helpers/gateway.ts";

afterEach(() => vi.restoreAllMocks());

describe("logs", () => {
  it("never contain a key, a key hash or a secret, across auth, admin and failure paths", async () => {
    const lines: string[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
    }
    const imported = uniqueKey("logged");
    await grant({ apiKey: imported }, 3, "idem-log-check");
    const { key, key_id } = await newAccount();
    const created = (await (await gw("/v1/keys", json({ name: "x" }, bearer(key)))).json()) as { key: string };
    const rotated = (await (
      await gw(`/v1/keys/${key_id}/rotate`, { method: "POST", headers: bearer(key) })
    ).json()) as {
      key: string;
    };
    await gw("/v1/balance", { headers: bearer(imported) });
    await gw("/v1/balance", { headers: bearer(key) }); // rotated away: 401
    await gw("/v1/balance", { headers: { "x-api-key": "wrong-key-value-123" } });
    await gw("/v1/balance", { headers: rapid("log-user", "PRO", "wrong-proxy-secret") });
    await gw("/v1/balance", { headers: rapid("log-user") });
    await gw("/admin/add-credits", json({ apiKey: imported, credits: 1 }, { "x-admin-secret": "wrong-admin-secret" }));
    await gwWith({ MAX_BODY_BYTES: "nonsense" }, "/v1/balance", { headers: bearer(imported) });
    // chat: a plain call, a stream, and upstream errors that quote a (masked) key
    const chat = (content: string, stream = false) =>
      gw(
        "/v1/chat/completions",
        json({ model: "openai/gpt-4o-mini", stream, messages: [{ role: "user", content }] }, bearer(imported)),
      );
    const answers = await Promise.all([
      chat("Say hi"),
      chat("Say hi", true),
      chat("[[scenario:error:401]]"),
      chat("[[scenario:error:429]]"),
      chat("[[reset-after:3]]", true),
    ]);
    const bodies = (await Promise.all(answers.map((res) => res.text()))).join("\n");

    const text = `${lines.join("\n")}\n${bodies}`;
    expect(lines.length).toBeGreaterThan(8);
    const secrets = [
      imported,
      key,
      created.key,
      rotated.key,
      "wrong-key-value-123",
      "wrong-proxy-secret",
      "wrong-admin-secret",
      ADMIN_SECRET,
      RAPIDAPI_SECRET,
      "sk-fake-gateway-key",
      "sk-fake",
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
    const digest = async (value: string) =>
      [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)))]
        .map((b) => b.toString(16).padStart(2, "0"))
        .join("");
    expect(text).not.toContain(await digest(imported));
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
