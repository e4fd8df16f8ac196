// The AI fix job is where fix errors become job errors: the fixes (src/fixes/)
// know nothing of jobs and throw FixInputError; the job must fail at once
// with the fix's own message (a JobInputError), never be retried.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { processFix } from "../../src/ai-fix/process";
import type { FixParams } from "../../src/ai-fix/plan";
import { addPdfBleed } from "../../src/fixes/bleed-pdf";
import { FixNotApplicableError, OutputTooLargeError } from "../../src/fixes/errors";
import { JobInputError } from "../../src/jobs/errors";
import type { Job } from "../../src/jobs/store";
import type { Env } from "../../src/platform/env";
import { fixtureBytes } from "../helpers/fixtures";

/** A fix job over a fixture stored where a preflight check stores its source. */
async function fixJob(fixture: string, params: Pick<FixParams, "fileType" | "fixTypes"> & Partial<FixParams>): Promise<Job> {
  const id = `job_${crypto.randomUUID().replace(/-/g, "")}`;
  const sourceKey = `test/fix-sources/${id}`;
  await env.FILES.put(sourceKey, await fixtureBytes(fixture));
  const full: FixParams = {
    reportId: "report_test",
    sourceKey,
    confirmed: params.fixTypes,
    bleedMm: 3,
    printPpi: null,
    targetDpi: null,
    width: null,
    height: null,
    estimatedTokenCost: { min: 0, max: 0 },
    ...params,
  };
  return { id, accountId: "acct_fix_errors", kind: "ai_fix", attempts: 1, params: full } as unknown as Job;
}

async function failure(run: Promise<unknown>): Promise<unknown> {
  return run.then(
    () => expect.unreachable("the job should have failed"),
    (error: unknown) => error,
  );
}

describe("processFix: fix errors as job input errors", () => {
  it("an output over MAX_OUTPUT_PIXELS fails the job with the fix's message", async () => {
    const job = await fixJob("preflight/png-gray.png", { fileType: "png", fixTypes: ["upscale_resolution_4x"] });
    const error = await failure(processFix({ ...(env as Env), MAX_OUTPUT_PIXELS: "1000" }, job));
    expect(error).toBeInstanceOf(JobInputError);
    expect((error as Error).cause).toBeInstanceOf(OutputTooLargeError);
    expect((error as Error).message).toBe(((error as Error).cause as Error).message);
    expect((error as Error).message).toMatch(/^The corrected image would be \d+×\d+ \(.+ MP\), over the 0\.0 MP output limit\.$/);
  });

  it("a PDF the bleed fix cannot read fails the job with the fix's message", async () => {
    const fixture = "preflight/pdf-encrypted-userpw.pdf";
    const refused = await failure(addPdfBleed(await fixtureBytes(fixture), 3));
    expect(refused).toBeInstanceOf(FixNotApplicableError);
    const job = await fixJob(fixture, { fileType: "pdf", fixTypes: ["add_bleed"] });
    const error = await failure(processFix(env as Env, job));
    expect(error).toBeInstanceOf(JobInputError);
    expect((error as Error).cause).toBeInstanceOf(FixNotApplicableError);
    expect((error as Error).message).toBe((refused as Error).message);
  });

  it("other failures pass through as they are (retried by the consumer)", async () => {
    const job = await fixJob("preflight/png-gray.png", { fileType: "png", fixTypes: ["upscale_resolution_2x"] });
    const broken = new Error("R2 is down");
    const files = new Proxy(env.FILES, {
      get: (target, property) => {
        if (property === "get") return () => Promise.reject(broken);
        // The binding's own methods must be called on the binding itself.
        const value = Reflect.get(target, property) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    expect(await failure(processFix({ ...(env as Env), FILES: files }, job))).toBe(broken);
  });
});
