import type { Redis } from "@upstash/redis/cloudflare";
import { daysBetween } from "../../analytics/days.ts";
import {
  type AccountUsage,
  type AnalyticsStore,
  MONEY_FIELDS,
  type MoneyAggregate,
  type MoneyMetrics,
  type UsageAggregate,
  zeroMoney,
} from "../../analytics/types.ts";
import { ATTO_PER_NANO, parseUsdAtto, splitAtto } from "../../analytics/usd.ts";
import type { AccountSource, UsageCharge } from "../ports.ts";
import type { RedisLayout } from "./accounts.ts";
import { ANALYTICS_READ } from "./analytics-scripts.ts";
import { fieldMap } from "./records.ts";

/** A call's dimensions and exact cost as script arguments: provider, model, nano-USD, atto-USD remainder. */
export function costArgs(charge: Pick<UsageCharge, "provider" | "model" | "cost_usd">): string[] {
  return [charge.provider, charge.model, ...splitAtto(parseUsdAtto(charge.cost_usd || "0"))];
}

const USAGE_METRICS = new Set(["n", "c", "h", "l", "u"]);
const MONEY = new Set<string>(MONEY_FIELDS);

/** Reads the aggregate hashes of every day in the range in one script. */
export function redisAnalytics(redis: Redis, layout: RedisLayout): AnalyticsStore {
  const read = redis.createScript<(string[] | Record<string, string>)[]>(ANALYTICS_READ);
  return {
    read: (from, to, top) =>
      layout.reach("analytics.read", async () => {
        const days = daysBetween(from, to);
        const keys = days.flatMap((day) => {
          const k = layout.analytics(day);
          return [k.usage, k.money, k.accounts];
        });
        const replies = keys.length > 0 ? await read.exec(keys, []) : [];
        const usage: UsageAggregate[] = [];
        const money: MoneyAggregate[] = [];
        const accounts = new Map<string, AccountUsage>();
        days.forEach((day, i) => {
          usage.push(...usageOf(day, fieldMap(replies[3 * i] ?? null)));
          money.push(...moneyOf(day, fieldMap(replies[3 * i + 1] ?? null)));
          for (const [field, value] of fieldMap(replies[3 * i + 2] ?? null)) {
            const at = field.indexOf("\n");
            const id = field.slice(at + 1);
            const row = accounts.get(id) ?? { account_id: id, charged_micros: 0, calls: 0 };
            if (field.startsWith("c\n")) row.charged_micros += Number(value);
            else if (field.startsWith("n\n")) row.calls += Number(value);
            accounts.set(id, row);
          }
        });
        const top_accounts = [...accounts.values()]
          .sort(
            (a, b) =>
              b.charged_micros - a.charged_micros || b.calls - a.calls || a.account_id.localeCompare(b.account_id),
          )
          .slice(0, top);
        return { usage, money, top_accounts };
      }),
  };
}

/** `<metric>\n<source>\n<plan>\n<provider>\n<model>`: the plan is what lies between source and provider. */
function usageOf(day: string, fields: Map<string, string>): UsageAggregate[] {
  const rows = new Map<string, UsageAggregate & { atto: bigint }>();
  for (const [field, value] of fields) {
    const parts = field.split("\n");
    const metric = parts[0] as string;
    if (parts.length < 5 || !USAGE_METRICS.has(metric)) continue;
    const model = parts.at(-1) as string;
    const provider = parts.at(-2) as string;
    const source = parts[1] as AccountSource;
    const plan = parts.slice(2, -2).join("\n");
    const key = parts.slice(1).join("\n");
    let row = rows.get(key);
    if (!row) {
      row = {
        day,
        source,
        plan: plan === "" ? null : plan,
        provider,
        model,
        calls: 0,
        charged_micros: 0,
        cost_atto_usd: "0",
        uncollected_micros: 0,
        atto: 0n,
      };
      rows.set(key, row);
    }
    if (metric === "n") row.calls += Number(value);
    else if (metric === "c") row.charged_micros += Number(value);
    else if (metric === "h") row.atto += BigInt(value) * ATTO_PER_NANO;
    else if (metric === "l") row.atto += BigInt(value);
    else row.uncollected_micros += Number(value);
  }
  return [...rows.values()].map(({ atto, ...row }) => ({ ...row, cost_atto_usd: atto.toString() }));
}

/** `<field>\n<source>\n<plan>`. */
function moneyOf(day: string, fields: Map<string, string>): MoneyAggregate[] {
  const rows = new Map<string, MoneyAggregate>();
  for (const [field, value] of fields) {
    const at = field.indexOf("\n");
    const metric = field.slice(0, at);
    if (at < 0 || !MONEY.has(metric)) continue;
    const key = field.slice(at + 1);
    const split = key.indexOf("\n");
    let row = rows.get(key);
    if (!row) {
      const plan = key.slice(split + 1);
      row = { day, source: key.slice(0, split) as AccountSource, plan: plan === "" ? null : plan, ...zeroMoney() };
      rows.set(key, row);
    }
    row[metric as keyof MoneyMetrics] += Number(value);
  }
  return [...rows.values()];
}
