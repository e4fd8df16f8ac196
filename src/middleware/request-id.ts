import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../platform/env";
import { randomId } from "../platform/ids";

/** Tags each request with an id, echoed in `X-Request-Id` and in error bodies for support. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const id = c.req.header("cf-ray") ?? randomId(16);
  c.set("requestId", id);
  c.header("X-Request-Id", id);
  await next();
});
