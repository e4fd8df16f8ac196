import type { AppEnv } from "./platform/env";
import { handleError, handleNotFound } from "./middleware/errors";
import { cors } from "./middleware/cors";
import { jsonBody } from "./middleware/json-body";
import { requestId } from "./middleware/request-id";
import { accountRoutes } from "./routes/account";
import { adminModelRoutes } from "./routes/admin-models";
import { aiJobRoutes } from "./routes/ai-jobs";
import { bgRemoveRoutes } from "./routes/bg-remove";
import { stickerRoutes } from "./routes/stickers";
import { dashboardRoutes } from "./routes/dashboard";
import { fileRoutes } from "./routes/files";
import { healthRoutes } from "./routes/health";
import { preflightRoutes } from "./routes/preflight";
import { createRouter } from "./routes/openapi";
import { usageRoutes } from "./routes/usage";
import { walletRoutes } from "./routes/wallet";
import { webhookRoutes } from "./routes/webhooks";
import { widgetRoutes } from "./routes/widgets";

export function createApp() {
  const app = createRouter();
  app.use("*", requestId);
  app.use("/v1/services/*", cors);
  app.use("/v1/*", jsonBody);

  app.route("/", healthRoutes);
  app.route("/", accountRoutes);
  app.route("/", walletRoutes);
  app.route("/", usageRoutes);
  app.route("/", fileRoutes);
  app.route("/", bgRemoveRoutes);
  app.route("/", stickerRoutes);
  app.route("/", preflightRoutes);
  app.route("/", aiJobRoutes);
  app.route("/", adminModelRoutes);
  app.route("/", dashboardRoutes);
  app.route("/", widgetRoutes);
  app.route("/", webhookRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminKey", { type: "apiKey", in: "header", name: "X-Admin-Key" });
  // The document describes itself too, so that every /v1 route is in it.
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/openapi.json",
    tags: ["Meta"],
    summary: "This document (OpenAPI 3.1)",
    responses: { 200: { description: "The OpenAPI document", content: { "application/json": { schema: { type: "object" } } } } },
  });
  app.doc31("/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Printcart AI Services",
      version: "1.0.0",
      description: "Background removal, preflight checks and AI fix jobs, billed from a prepaid token wallet.",
    },
  });

  app.onError(handleError);
  app.notFound(handleNotFound);
  return app;
}

export type App = ReturnType<typeof createApp>;
export type { AppEnv };
