import type { Redis } from "@upstash/redis/cloudflare";
import { utcDay } from "../../lib/time.ts";
import type { RapidApiBilling, RapidApiDay } from "../rapidapi-ports.ts";
import type { RedisLayout } from "./accounts.ts";
import { costArgs } from "./analytics.ts";
import { ACCRUE } from "./rapidapi-scripts.ts";
import { entryJson, fieldMap, type Reply } from "./records.ts";

/** RapidAPI accruals on Redis: one script per step; the per-day report reads the account's `daily` hash. */
export function redisRapidApi(redis: Redis, layout: RedisLayout): RapidApiBilling {
  const { account, reach } = layout;
  const accrue = redis.createScript<Reply[]>(ACCRUE);
  return {
    accrue: (accountId, accrual, now) =>
      reach("rapidapi.accrue", async () => {
        const k = account(accountId);
        const { charge } = accrual;
        const json = charge
          ? entryJson({
              reason: "usage",
              reference: `rapidapi:${accrual.call_id}`,
              created_at: now,
              request_id: charge.request_id,
              provider: charge.provider,
              model: charge.model,
              usage: charge.usage,
              cost_usd: charge.cost_usd,
            })
          : "";
        const aggregates = layout.analytics(utcDay(now));
        const [status, credits, unbilled, accrued] = await accrue.exec(
          [k.acct, k.ledger, k.idem, k.daily, aggregates.usage, aggregates.accounts, k.inflight],
          [
            accrual.call_id,
            charge ? String(charge.amount_micros) : "",
            accrual.bill ? "1" : "0",
            accountId,
            accrual.plan ?? "",
            String(now),
            json,
            utcDay(now),
            ...(charge ? costArgs(charge) : ["", "", "0", "0"]),
            accrual.billing_lost ? "1" : "0",
          ],
        );
        return {
          status: status as "applied" | "replayed",
          billed_credits: Number(credits),
          unbilled_micros: Number(unbilled),
          accrued_micros: Number(accrued),
        };
      }),
    report: (accountId, from, to) =>
      reach("rapidapi.report", async () => {
        const fields = fieldMap((await redis.hgetall(account(accountId).daily)) as unknown as string[] | null);
        const days = new Map<string, RapidApiDay>();
        for (const [field, value] of fields) {
          const [kind, date] = field.split(":") as [string, string];
          if (!date || date < from || date > to) continue;
          const day = days.get(date) ?? { date, calls: 0, accrued_micros: 0, billed_credits: 0 };
          if (kind === "c") day.accrued_micros = Number(value);
          else if (kind === "n") day.calls = Number(value);
          else if (kind === "b") day.billed_credits = Number(value);
          else continue;
          days.set(date, day);
        }
        return [...days.values()].sort((a, b) => a.date.localeCompare(b.date));
      }),
  };
}
