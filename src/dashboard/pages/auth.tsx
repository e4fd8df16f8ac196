/** @jsxImportSource hono/jsx */
import { PASSWORD_RULES } from "../../accounts/schemas";
import { Errors } from "../components";
import { AuthPage } from "../layout";

export const LoginPage = ({ showDemo }: { showDemo: boolean }) => (
  <AuthPage title="Log in" page="login">
    <div id="notice" role="status"></div>
    <Errors id="errors" />
    <form id="login-form">
      <div class="field">
        <label for="email">Email</label>
        <input type="email" id="email" name="email" autocomplete="username" required />
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required />
      </div>
      <div class="actions">
        <button type="submit" class="button">
          Log in
        </button>
      </div>
    </form>
    <p class="actions">
      <span>
        New here? <a href="/dashboard/signup" data-keep-next>Create an account</a>
      </span>
    </p>
    {showDemo ? (
      <div class="alert info">
        <p>
          Local demo account: <code>demo@example.com</code> / <code>Demo-pass-1</code> (10,000 tokens).
        </p>
        <button type="button" class="button secondary small" data-action="fill-demo">
          Fill in the demo account
        </button>
      </div>
    ) : null}
  </AuthPage>
);

export const SignupPage = () => (
  <AuthPage title="Create an account" page="signup">
    <Errors id="errors" />
    <form id="signup-form">
      <div class="field">
        <label for="name">
          Shop name <span class="hint">Optional</span>
        </label>
        <input type="text" id="name" name="name" autocomplete="organization" maxlength={200} />
      </div>
      <div class="field">
        <label for="email">Email</label>
        <input type="email" id="email" name="email" autocomplete="email" required />
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="new-password"
          minlength={8}
          required
          aria-describedby="password-hint"
        />
        <span class="hint" id="password-hint">
          {PASSWORD_RULES[0]!.toUpperCase() + PASSWORD_RULES.slice(1)}.
        </span>
      </div>
      <div class="actions">
        <button type="submit" class="button">
          Create account
        </button>
      </div>
    </form>
    <p class="actions">
      <span>
        Already have an account? <a href="/dashboard/login" data-keep-next>Log in</a>
      </span>
    </p>
  </AuthPage>
);
