import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig, type ViteUserConfig } from "vitest/config";

// Settings the tests run with. Secrets are test-only values; production sets
// its own with `wrangler secret put`.
export const TEST_BINDINGS = {
  JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789",
  URL_SIGNING_SECRET: "test-url-signing-secret-0123456789abcdef",
  ADMIN_API_KEY: "test-admin-key",
  FETCH_ALLOW_HOSTS: "127.0.0.1,localhost",
  // Shorter than the default so the slow-server test ends soon, yet long enough that
  // fixtures served on a loaded 2-core machine are never cut off.
  FETCH_TIMEOUT_MS: "8000",
  // Below the 100 MiB default, so an endless body reaches the limit (staged in local R2 at
  // about 15 MB/s) well inside that deadline; above the 32 MiB the large-file tests send.
  MAX_SOURCE_BYTES: String(48 * 1024 * 1024),
  // Every test signs up and logs in from the same (absent) client IP; the
  // throttle tests set tight limits of their own.
  LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "1000000",
  SIGNUPS_PER_IP_PER_HOUR: "1000000",
  LOGIN_FAILURES_PER_EMAIL_PER_HOUR: "1000",
};

// Packages the Worker imports (each subpath as imported), pre-bundled for the workers project.
const PREBUNDLED = [
  "hono",
  "hono/body-limit",
  "hono/factory",
  "hono/html",
  "hono/http-exception",
  "hono/jsx",
  "hono/jsx/jsx-runtime",
  "hono/utils/http-status",
  "@hono/zod-openapi",
  "@hono/zod-validator",
  "zod",
  "drizzle-orm",
  "drizzle-orm/d1",
  "drizzle-orm/sqlite-core",
  "pdf-lib",
  "fflate",
  "tiff",
];

/**
 * The project that runs inside workerd with the real bindings (D1, Durable
 * Objects, Queues, R2), the API and both consumer Workers in one test Worker
 * (test/helpers/test-worker.ts hands each queue to the Worker that consumes it).
 */
function workersProject(migrations: Awaited<ReturnType<typeof readD1Migrations>>, files: { name: string; include: string[]; exclude?: string[] }) {
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        main: "./test/helpers/test-worker.ts",
        miniflare: {
          bindings: { ...TEST_BINDINGS, TEST_MIGRATIONS: migrations },
          // As wrangler.consumer.toml and wrangler.fixes.toml configure them for
          // the two consumer Workers; here one test Worker consumes every queue.
          queueConsumers: {
            "printcart-jobs": { maxBatchSize: 1, maxBatchTimeout: 1, maxRetries: 3, deadLetterQueue: "printcart-jobs-dlq" },
            "printcart-fix-jobs": { maxBatchSize: 1, maxBatchTimeout: 1, maxRetries: 3, deadLetterQueue: "printcart-jobs-dlq" },
            "printcart-jobs-dlq": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 3 },
            "printcart-webhooks": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 10 },
          },
        },
      }),
    ],
    resolve: {
      // onnxruntime's 14 MB wasm, compiled from bytes instead of through the module fallback (test/helpers/ort-wasm.ts says why).
      alias: [{ find: /^onnxruntime-web\/ort-wasm-simd-threaded\.wasm$/, replacement: path.join(import.meta.dirname, "test/helpers/ort-wasm.ts") }],
    },
    test: {
      ...files,
      setupFiles: ["./test/helpers/apply-migrations.ts"],
      globalSetup: ["./test/helpers/fixture-server.ts"],
      // A job that runs the model spends 15–30 s in it at 1024 px on one core, and the first after a
      // cold start spends about 3 s more CPU while V8 tiers onnxruntime up; on a loaded machine each takes twice that or more.
      testTimeout: 180_000,
      // Two files at a time. Vitest's default on a 2-core machine is one (cores − 1), and a file
      // here spends much of its time waiting on its queue consumers and polling its jobs, so a
      // second file fills that time: the suite must finish within CI's 15 minutes on 2 cores.
      maxWorkers: 2,
      // Vitest runs projects of different concurrency as separate groups, one after the other: the e2e project first.
      sequence: { groupOrder: 1 },
      // Every test file gets a fresh isolate that loads the Worker's
      // module graph through Vite; one pre-bundled file per package
      // instead of hundreds of small modules halves that start-up.
      deps: { optimizer: { ssr: { enabled: true, include: PREBUNDLED } } },
    },
  };
}

const migrationsDir = path.join(import.meta.dirname, "migrations");

export default defineConfig(async (): Promise<ViteUserConfig> => {
  const migrations = await readD1Migrations(migrationsDir);
  return {
    test: {
      // The JSON report is what .ci/run counts for its "N passed, N failed" line.
      reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
      // The consumer's line per job delivery (src/jobs/consumer.ts) is for operators and the e2e
      // test that reads the dev server's log; in test output it would drown everything else.
      onConsoleLog: (log) => !/^\[[\w-]+\] job \S+ \((bg_remove|ai_fix)( \w+)?\), delivery \d+ from /.test(log),
      projects: [
        // Everything in workerd, the reliability suite (load, faults, bad input) included.
        workersProject(migrations, { name: "workers", include: ["test/**/*.test.ts"], exclude: ["test/e2e/**"] }),
        {
          // Node-side tests that start the real `wrangler dev` server and talk HTTP to it.
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.test.ts"],
            environment: "node",
            // The fixture server serves source images on 127.0.0.1 for jobs that take a URL.
            globalSetup: ["./test/helpers/fixture-server.ts", "./test/e2e/global-setup.ts"],
            testTimeout: 120_000,
            hookTimeout: 180_000,
            sequence: { groupOrder: 0 },
          },
        },
      ],
    },
  };
});
