import { jobWorkKey, jobWorkPrefix } from "../files/keys";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";

/**
 * What the steps of a background removal hand each other through R2, under
 * the job's work prefix: the staged source (a fetched file's copy), the
 * guide image, the model's input tensor and its mask. Raw typed-array bytes
 * with their shape in the object's custom metadata: every reader knows the
 * type, and nothing needs encoding or parsing.
 */
export type WorkFile = "source" | "guide" | "input" | "mask";

export function workKey(job: Pick<Job, "accountId" | "id">, name: WorkFile): string {
  return jobWorkKey(job.accountId, job.id, name);
}

export async function putWork(env: Env, job: Pick<Job, "accountId" | "id">, name: WorkFile, bytes: ArrayBufferView, meta: Record<string, string | number>): Promise<void> {
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  await env.FILES.put(workKey(job, name), view, { customMetadata: Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, String(v)])) });
}

/** The file and its metadata, or null when it is not there (the step that writes it has not run). */
export async function getWork(env: Env, job: Pick<Job, "accountId" | "id">, name: WorkFile): Promise<{ bytes: ArrayBuffer; meta: Record<string, string> } | null> {
  const object = await env.FILES.get(workKey(job, name));
  if (!object) return null;
  return { bytes: await object.arrayBuffer(), meta: object.customMetadata ?? {} };
}

/** Deletes every work file of the job. */
export async function deleteWork(env: Env, job: Pick<Job, "accountId" | "id">): Promise<void> {
  const listed = await env.FILES.list({ prefix: jobWorkPrefix(job.accountId, job.id) });
  if (listed.objects.length) await env.FILES.delete(listed.objects.map((o) => o.key));
}
