// The baseline of `npm run bench`: a bare Worker that forwards /v1/* to the fake upstream and
// streams its answer back. What the gateway adds is measured against this, in the same run.
interface Env {
  UPSTREAM_ORIGIN: string;
}

export default {
  fetch(request: Request, env: Env): Promise<Response> | Response {
    const { pathname, search } = new URL(request.url);
    if (pathname === "/health") return new Response("ok");
    if (!pathname.startsWith("/v1/")) return new Response("not found", { status: 404 });
    return fetch(new Request(`${env.UPSTREAM_ORIGIN}${pathname}${search}`, request));
  },
} satisfies ExportedHandler<Env>;
