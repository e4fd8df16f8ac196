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

export function jobSourceKey(accountId: string, jobId: string): string {
  return `sources/${accountId}/${jobId}`;
}

export function preflightSourceKey(accountId: string, reportId: string): string {
  return `preflight/${accountId}/${reportId}/source`;
}
