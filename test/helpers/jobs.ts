import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { insertJob, type Job } from "../../src/jobs/store";
import type { Env } from "../../src/platform/env";
import { chargeForJob } from "../../src/wallet/wallet";
import { api, workerFetch } from "./api";

/** Polls a job until it is final (the queue consumer runs in the same test runtime). */
export async function waitForJob(path: string, token: string, timeoutMs = 170_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(path, { token });
    expect(res.status).toBe(200);
    const status = res.body.status ?? res.body.data?.status;
    if (status === "completed" || status === "failed") return res.body;
    if (Date.now() > deadline) throw new Error(`job did not finish: ${JSON.stringify(res.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Downloads a signed output link through the Worker (no bearer token). */
export async function download(url: string): Promise<{ status: number; bytes: Uint8Array; contentType: string | null }> {
  const { pathname, search } = new URL(url);
  const res = await workerFetch(`${pathname}${search}`);
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()), contentType: res.headers.get("content-type") };
}

/** Starts a background removal (asserting the 202) and waits until it is final. */
export async function removeBackground(token: string, body: Record<string, unknown>): Promise<{ created: any; done: any }> {
  const created = await api("/v1/services/bg-remove", { token, body });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  return { created: created.body, done: await waitForJob(`/v1/services/bg-remove/${created.body.job_id}`, token) };
}

/** A background removal that must complete: the finished job and its downloaded PNG. */
export async function cutOut(token: string, body: Record<string, unknown>) {
  const { done } = await removeBackground(token, body);
  expect(done.status, done.error_message).toBe("completed");
  return { done, file: await download(done.output_url) };
}

/** A background-removal job row with nothing set beyond `row`: what a test writes to D1 itself. */
export function jobRow(accountId: string, row: Partial<Job> = {}): Job {
  const now = new Date().toISOString();
  return {
    id: `job_${crypto.randomUUID().replace(/-/g, "")}`,
    accountId,
    kind: "bg_remove",
    status: "processing",
    sourceUrl: "http://127.0.0.1:9/never-fetched.jpg",
    params: {},
    result: null,
    outputKey: null,
    outputContentType: null,
    tokensDeducted: 0,
    tokensCharged: null,
    walletTransactionId: null,
    errorMessage: null,
    attempts: 0,
    reportId: null,
    decision: null,
    decidedAt: null,
    decisionReportId: null,
    shopperRef: null,
    widgetTokenId: null,
    createdAt: now,
    startedAt: null,
    completedAt: null,
    updatedAt: now,
    ...row,
  };
}

/**
 * A background-removal job charged in the wallet (150 tokens) and recorded in
 * D1, but not queued: the test decides when, or whether, it is delivered.
 */
export async function chargedJobRow(accountId: string, row: Partial<Job> = {}): Promise<Job> {
  const id = row.id ?? `job_${crypto.randomUUID().replace(/-/g, "")}`;
  const charge = await chargeForJob(env as Env, { accountId, service: "bg-remove", jobId: id, tokens: 150, idempotencyKey: id });
  const job = jobRow(accountId, {
    id,
    params: { subject_type: "product", edge_softness: 0, high_detail_mode: false, output_format: "png", background: "transparent" },
    tokensDeducted: 150,
    walletTransactionId: charge.entry.id,
    ...row,
  });
  await insertJob(env as Env, job);
  return job;
}
