import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import { ASSET_VERSION, DASHBOARD_CSS, DASHBOARD_ICON_SVG, DASHBOARD_JS } from "../dashboard/assets";
import { renderPage, type DashboardPage } from "../dashboard/render";
import type { AppEnv } from "../platform/env";

/**
 * The dashboard: server-rendered pages and one small script that calls the
 * public API from the browser with the shop's bearer token. Not part of the
 * OpenAPI document.
 */
export const dashboardRoutes = new Hono<AppEnv>();

/**
 * Only this origin may supply scripts, styles, images and API calls; there
 * are no inline scripts or styles to allow. Images may also be blob: URLs,
 * the local preview of a file before it is uploaded.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
  // Page addresses can carry job ids; other sites need not learn them.
  c.header("Referrer-Policy", "same-origin");
});

dashboardRoutes.use("/dashboard", securityHeaders);
dashboardRoutes.use("/dashboard/*", securityHeaders);

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

function page(name: DashboardPage, status: 200 | 404 = 200) {
  return (c: Context<AppEnv>) => {
    const url = new URL(c.req.url);
    c.header("Cache-Control", "no-cache");
    return c.html(
      renderPage(name, {
        origin: url.origin,
        local: LOOPBACK_HOSTS.has(url.hostname),
        walletTab: c.req.query("tab") === "buy" ? "buy" : "transactions",
      }),
      status,
    );
  };
}

dashboardRoutes.get("/dashboard", page("overview"));
dashboardRoutes.get("/dashboard/", (c) => c.redirect("/dashboard", 301));
dashboardRoutes.get("/dashboard/login", page("login"));
dashboardRoutes.get("/dashboard/signup", page("signup"));
dashboardRoutes.get("/dashboard/bg-remove", page("bg-remove"));
dashboardRoutes.get("/dashboard/stickers", page("stickers"));
dashboardRoutes.get("/dashboard/preflight", page("preflight"));
dashboardRoutes.get("/dashboard/upscale", page("upscale"));
dashboardRoutes.get("/dashboard/usage", page("usage"));
dashboardRoutes.get("/dashboard/wallet", page("wallet"));

function asset(body: string, contentType: string) {
  return (c: Context<AppEnv>) => {
    // Versioned links never change content; anything else is revalidated.
    const cache = c.req.query("v") === ASSET_VERSION ? "public, max-age=31536000, immutable" : "no-cache";
    return c.body(body, 200, { "Content-Type": contentType, "Cache-Control": cache });
  };
}

dashboardRoutes.get("/dashboard/assets/app.js", asset(DASHBOARD_JS, "text/javascript; charset=utf-8"));
dashboardRoutes.get("/dashboard/assets/app.css", asset(DASHBOARD_CSS, "text/css; charset=utf-8"));
dashboardRoutes.get("/dashboard/assets/icon.svg", asset(DASHBOARD_ICON_SVG, "image/svg+xml"));

dashboardRoutes.get("/dashboard/*", page("not-found", 404));
