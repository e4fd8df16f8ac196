import { and, eq, isNull } from "drizzle-orm";
import { signAccessToken } from "../auth/jwt";
import { DECOY_PASSWORD_HASH, hashPassword, verifyPassword } from "../auth/password";
import { admitLogin, admitSignup, recordLogin } from "../auth/throttle";
import { database, schema } from "../db/client";
import type { Env } from "../platform/env";
import { AppError, notFound, unauthorized } from "../platform/errors";
import { prefixedId } from "../platform/ids";
import { readSettings } from "../platform/settings";
import type { AccessToken, Account, CreateAccount, Login } from "./schemas";

type AccountRow = typeof schema.accounts.$inferSelect;

export function toAccount(row: AccountRow): Account {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.createdAt };
}

async function issueToken(env: Env, accountId: string): Promise<AccessToken> {
  const ttl = readSettings(env).accessTokenTtlSeconds;
  const token = await signAccessToken(accountId, ttl, env.JWT_SECRET, Math.floor(Date.now() / 1000));
  return { access_token: token, token_type: "Bearer", expires_in: ttl };
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed/i.test(`${error.message} ${String(error.cause ?? "")}`);
}

export async function createAccount(env: Env, input: CreateAccount, clientIp: string): Promise<{ account: Account; token: AccessToken }> {
  await admitSignup(env, clientIp);
  const db = database(env.DB);
  const row: AccountRow = {
    id: prefixedId("acct"),
    email: input.email,
    name: input.name ?? null,
    passwordHash: await hashPassword(input.password),
    createdAt: new Date().toISOString(),
    deletedAt: null,
  };
  try {
    await db.insert(schema.accounts).values(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", "An account with this email already exists.");
    throw error;
  }
  return { account: toAccount(row), token: await issueToken(env, row.id) };
}

/** `clientIp`: who is asking (CF-Connecting-IP), for the login throttles of src/auth/throttle.ts. */
export async function login(env: Env, input: Login, clientIp: string): Promise<{ account: Account; token: AccessToken }> {
  await admitLogin(env, clientIp, input.email);
  const row = await findActiveAccountByEmail(env, input.email);
  // Unknown emails cost the same PBKDF2 work, so timing does not reveal which emails exist.
  const ok = await verifyPassword(input.password, row?.passwordHash ?? DECOY_PASSWORD_HASH);
  await recordLogin(env, input.email, Boolean(row && ok));
  if (!row || !ok) throw unauthorized("The email or password is wrong.");
  return { account: toAccount(row), token: await issueToken(env, row.id) };
}

export async function findActiveAccountByEmail(env: Env, email: string): Promise<AccountRow | undefined> {
  const db = database(env.DB);
  return db.query.accounts.findFirst({
    where: and(eq(schema.accounts.email, email.trim().toLowerCase()), isNull(schema.accounts.deletedAt)),
  });
}

export async function findActiveAccount(env: Env, accountId: string): Promise<AccountRow | undefined> {
  const db = database(env.DB);
  return db.query.accounts.findFirst({
    where: and(eq(schema.accounts.id, accountId), isNull(schema.accounts.deletedAt)),
  });
}

export async function getAccount(env: Env, accountId: string): Promise<Account> {
  const row = await findActiveAccount(env, accountId);
  if (!row) throw notFound("The account");
  return toAccount(row);
}

/**
 * Closes an account. The row stays (the ledger mirror references it) but the
 * email is released and every token issued for the account stops working.
 */
export async function deleteAccount(env: Env, accountId: string): Promise<void> {
  const db = database(env.DB);
  const now = new Date().toISOString();
  await db
    .update(schema.accounts)
    .set({ deletedAt: now, email: `deleted:${accountId}` })
    .where(and(eq(schema.accounts.id, accountId), isNull(schema.accounts.deletedAt)));
}
