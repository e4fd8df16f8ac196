import type { Throttle } from "../auth/throttle";
import type { AccountWallet } from "../wallet/account-wallet";

/**
 * A job queue's binding. What its messages hold is the job layer's business
 * (JobMessage in src/jobs/queue.ts, which sends through queueFor() with that
 * type and parses every message a consumer receives), not the platform's.
 */
export type JobQueue = Queue<unknown>;

/**
 * Bindings and settings of the Worker (wrangler.toml, .dev.vars, secrets).
 * Settings arrive as strings; src/platform/settings.ts parses them once.
 */
export interface Env {
  DB: D1Database;
  WALLET: DurableObjectNamespace<AccountWallet>;
  /** Login and sign-up attempt counters, one object per email or client IP (src/auth/throttle.ts). */
  THROTTLE: DurableObjectNamespace<Throttle>;
  FILES: R2Bucket;
  /** Background removals (printcart-jobs); AI fix jobs have a queue of their own. See queueFor in src/jobs/queue.ts. */
  JOBS: JobQueue;
  FIX_JOBS: JobQueue;
  /** Webhook deliveries (printcart-webhooks), consumed by the API Worker: src/webhooks/deliver.ts. */
  WEBHOOKS: JobQueue;

  JWT_SECRET: string;
  URL_SIGNING_SECRET: string;
  ADMIN_API_KEY: string;

  RATE_LIMIT_PER_MINUTE?: string;
  TOP_UP_URL?: string;
  FETCH_ALLOW_HOSTS?: string;
  ACCESS_TOKEN_TTL_SECONDS?: string;
  MAX_SOURCE_BYTES?: string;
  MAX_PDF_BYTES?: string;
  MAX_SOURCE_PIXELS?: string;
  BG_REMOVE_MAX_PIXELS?: string;
  FETCH_TIMEOUT_MS?: string;
  MAX_OUTPUT_PIXELS?: string;
  PREFLIGHT_CHECKS_PER_DAY?: string;
  JOB_DEADLINE_SECONDS?: string;
  UPLOAD_RETENTION_DAYS?: string;
  LOGIN_FAILURES_PER_EMAIL_PER_HOUR?: string;
  LOGIN_ATTEMPTS_PER_IP_PER_MINUTE?: string;
  SIGNUPS_PER_IP_PER_HOUR?: string;
  WIDGET_PREFLIGHT_CHECKS_PER_DAY?: string;
  WEBHOOK_RETRY_SCHEDULE_SECONDS?: string;
  /** The consumer Worker's name, for its log lines (each consumer's wrangler config sets its own). */
  WORKER_NAME?: string;
}

export interface AuthenticatedAccount {
  id: string;
  email: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    account: AuthenticatedAccount;
  };
}

type WorkerEnv = Env;
declare global {
  // `import { env } from "cloudflare:workers"` and cloudflare:test's env are typed by this.
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
  }
}
