import { readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig, type ViteUserConfig } from "vitest/config";
import { migrationsDir, workersProject } from "./vitest.config";

// `npm run test:reliability`: load, faults and bad input against the same
// runtime as the workers tests (real D1, Durable Objects, Queues, R2, model).
export default defineConfig(async (): Promise<ViteUserConfig> => {
  const migrations = await readD1Migrations(migrationsDir);
  return {
    test: {
      reporters: ["default", ["json", { outputFile: "test-results/reliability.json" }]],
      projects: [workersProject(migrations, { name: "reliability", include: ["test/reliability/**/*.test.ts"] })],
    },
  };
});
