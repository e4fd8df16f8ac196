/**
 * The lifecycle every job shares. Background removal and stickers show
 * their states as pending → processing → completed | failed; AI fix jobs as
 * analyzing → applying → completed | failed (the public reference names
 * both). Internally each kind maps three phases onto its own names:
 *   queued  (accepted, waiting for a consumer)
 *   running (a consumer is working on it)
 *   final   (completed or failed; never left again)
 */
export const JOB_KINDS = ["bg_remove", "ai_fix", "sticker"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_STATUSES = ["pending", "processing", "analyzing", "applying", "completed", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const FINAL_STATUSES = ["completed", "failed"] as const satisfies readonly JobStatus[];

interface KindStatuses {
  /** Inserted before the queue has accepted the message. */
  created: JobStatus;
  /** What the create response and later polls show while the job waits. */
  queued: JobStatus;
  running: JobStatus;
}

export const KIND_STATUSES: Record<JobKind, KindStatuses> = {
  bg_remove: { created: "pending", queued: "processing", running: "processing" },
  ai_fix: { created: "analyzing", queued: "analyzing", running: "applying" },
  sticker: { created: "pending", queued: "processing", running: "processing" },
};

export function isFinal(status: JobStatus): boolean {
  return (FINAL_STATUSES as readonly JobStatus[]).includes(status);
}

/** Statuses from which a consumer may (re)start the job: any unfinished one. */
export function startableStatuses(kind: JobKind): JobStatus[] {
  const s = KIND_STATUSES[kind];
  return [...new Set([s.created, s.queued, s.running])];
}
