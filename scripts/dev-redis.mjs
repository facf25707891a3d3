// npm run dev:redis — the gateway on http://127.0.0.1:8787 with the Upstash Redis store, against a
// local redis-server (REDIS_URL, default redis://127.0.0.1:6379) through scripts/upstash-local.mjs.
// Extra arguments go to `wrangler dev`.
import { spawn } from "node:child_process";
import { startUpstashLocal } from "./upstash-local.mjs";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const token = process.env.UPSTASH_LOCAL_TOKEN ?? "local-dev-token";
const endpoint = await startUpstashLocal({ port: Number(process.env.UPSTASH_LOCAL_PORT ?? 8079), redisUrl, token });
console.log(`dev:redis: Upstash REST endpoint ${endpoint.url} -> ${redisUrl}`);

const wrangler = spawn(
  "npx",
  [
    "wrangler",
    "dev",
    "--var",
    `UPSTASH_REDIS_REST_URL:${endpoint.url}`,
    "--var",
    `UPSTASH_REDIS_REST_TOKEN:${token}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);
const stop = async (code) => {
  await endpoint.close().catch(() => {});
  process.exit(code ?? 0);
};
wrangler.on("exit", (code) => stop(code));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => wrangler.kill(signal));
