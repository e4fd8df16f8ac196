import { createRoute } from "@hono/zod-openapi";
import { createAccount, deleteAccount, getAccount, login } from "../accounts/accounts";
import { AccountResponse, AccountWithToken, CreateAccount, Login, LoginResponse } from "../accounts/schemas";
import { clientIp } from "../auth/throttle";
import { requireAccount } from "../middleware/auth";
import { bearerAuth, bearerErrors, createRouter, errorResponses, jsonBody, jsonBodyErrors } from "./openapi";

export const accountRoutes = createRouter();

accountRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/account",
    tags: ["Account"],
    summary: "Create an account",
    request: { body: jsonBody(CreateAccount) },
    responses: {
      201: { description: "The account and an access token", content: { "application/json": { schema: AccountWithToken } } },
      ...jsonBodyErrors,
      409: errorResponses[409],
      429: errorResponses[429],
    },
  }),
  async (c) => {
    const { account, token } = await createAccount(c.env, c.req.valid("json"), clientIp(c.req.raw));
    return c.json({ data: account, ...token }, 201);
  },
);

accountRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/account/login",
    tags: ["Account"],
    summary: "Log in and get an access token",
    request: { body: jsonBody(Login) },
    responses: {
      200: { description: "An access token", content: { "application/json": { schema: LoginResponse } } },
      ...jsonBodyErrors,
      401: errorResponses[401],
      429: errorResponses[429],
    },
  }),
  async (c) => {
    const { account, token } = await login(c.env, c.req.valid("json"), clientIp(c.req.raw));
    return c.json({ ...token, data: account }, 200);
  },
);

accountRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/account",
    tags: ["Account"],
    summary: "The authenticated account",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    responses: {
      200: { description: "The account", content: { "application/json": { schema: AccountResponse } } },
      ...bearerErrors,
    },
  }),
  async (c) => c.json({ data: await getAccount(c.env, c.var.account.id) }, 200),
);

accountRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/v1/account",
    tags: ["Account"],
    summary: "Close the authenticated account",
    description: "Every access token of the account stops working. Remaining tokens in the wallet are forfeited.",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    responses: { 204: { description: "Closed" }, ...bearerErrors },
  }),
  async (c) => {
    await deleteAccount(c.env, c.var.account.id);
    return c.body(null, 204);
  },
);
