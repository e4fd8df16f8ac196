/** @jsxImportSource hono/jsx */
import { AuthPage } from "../layout";

export const NotFoundPage = () => (
  <AuthPage title="Page not found" page="not-found">
    <p>There is no dashboard page at this address.</p>
    <p>
      <a class="button" href="/dashboard">
        Go to the dashboard
      </a>
    </p>
  </AuthPage>
);
