import { z } from "@hono/zod-openapi";

export const PASSWORD_RULES = "at least 8 characters with an upper-case letter, a lower-case letter, a digit and a symbol";

export const Email = z
  .email({ message: "must be an email address" })
  .max(254)
  .transform((email) => email.trim().toLowerCase())
  .openapi({ example: "shop@example.com" });

export const Password = z
  .string()
  .min(8, { message: `must be ${PASSWORD_RULES}` })
  .max(256)
  .refine((p) => /[a-z]/.test(p) && /[A-Z]/.test(p) && /\d/.test(p) && /[^A-Za-z0-9]/.test(p), {
    message: `must be ${PASSWORD_RULES}`,
  })
  .openapi({ example: "Demo-pass-1" });

export const CreateAccount = z
  .object({
    email: Email,
    password: Password,
    name: z.string().trim().min(1).max(200).optional(),
  })
  .openapi("CreateAccount");
export type CreateAccount = z.infer<typeof CreateAccount>;

export const Login = z
  .object({ email: Email, password: z.string().min(1).max(256) })
  .openapi("Login");
export type Login = z.infer<typeof Login>;

export const Account = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Account");
export type Account = z.infer<typeof Account>;

export const AccountResponse = z.object({ data: Account }).openapi("AccountResponse");

export const AccessToken = z.object({
  access_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int(),
});
export type AccessToken = z.infer<typeof AccessToken>;

export const AccountWithToken = AccountResponse.extend(AccessToken.shape).openapi("AccountWithToken");
export const LoginResponse = AccessToken.extend({ data: Account }).openapi("LoginResponse");
