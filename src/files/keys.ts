/** R2 key layout: everything of an account lives under its id. */
export function uploadKey(accountId: string, uploadId: string): string {
  return `uploads/${accountId}/${uploadId}`;
}

export function jobOutputPrefix(accountId: string, jobId: string): string {
  return `outputs/${accountId}/${jobId}/`;
}

export function jobOutputKey(accountId: string, jobId: string, extension: string): string {
  return `${jobOutputPrefix(accountId, jobId)}output.${extension}`;
}

export function preflightSourceKey(accountId: string, reportId: string): string {
  return `preflight/${accountId}/${reportId}/source`;
}

/** Files a job's steps hand each other (src/bg-removal/stages.ts); deleted when the job ends, swept if left. */
export function jobWorkPrefix(accountId: string, jobId: string): string {
  return `work/${accountId}/${jobId}/`;
}

export function jobWorkKey(accountId: string, jobId: string, name: string): string {
  return `${jobWorkPrefix(accountId, jobId)}${name}`;
}
