import { assertFetchableUrl } from "../files/fetch-source";
import { fileLink } from "../files/links";
import { createJob, type NewJob } from "../jobs/create-job";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { BG_REMOVE_TOKENS } from "../pricing/prices";
import type { CropBox } from "./crop";
import type { CreateBgRemoval, OutputBackground, SubjectType } from "./schemas";

/** A job's stored options; jobs recorded before crop or keep_existing_alpha existed have neither. */
export type BgRemovalParams = Omit<CreateBgRemoval, "image_url" | "crop" | "crop_margin" | "keep_existing_alpha"> &
  Partial<Pick<CreateBgRemoval, "crop" | "crop_margin">> & { keep_existing_alpha?: boolean };

/** A logo or text exported on transparency means that transparency; a photo's alpha channel proves nothing. */
export function defaultKeepExistingAlpha(subjectType: SubjectType): boolean {
  return subjectType === "logo" || subjectType === "text";
}

/** Where the cut's alpha came from, by the matte method the last step recorded. */
function alphaSourceOf(result: { matte?: string }): "own_alpha" | "colour_key" | "model" | null {
  if (!result.matte) return null;
  if (result.matte === "own_alpha" || result.matte === "colour_key") return result.matte;
  return "model";
}

export async function createBgRemoval(env: Env, accountId: string, input: CreateBgRemoval, chargeKey?: string, widget?: NewJob["widget"]): Promise<Job> {
  await assertFetchableUrl(env, input.image_url, "image_url");
  const { image_url, ...options } = input;
  const params: BgRemovalParams = { ...options, keep_existing_alpha: options.keep_existing_alpha ?? defaultKeepExistingAlpha(options.subject_type) };
  return createJob(env, {
    accountId,
    kind: "bg_remove",
    service: "bg-remove",
    sourceUrl: image_url,
    params,
    tokens: BG_REMOVE_TOKENS,
    chargeKey,
    widget,
  });
}

/** The flat snake_case job of the public reference. */
export async function toBgRemovalResponse(env: Env, origin: string, job: Job) {
  const params = job.params as BgRemovalParams;
  const result = (job.result ?? {}) as { width?: number; height?: number; crop_box?: CropBox; matte?: string };
  const outputUrl = job.status === "completed" && job.outputKey ? (await fileLink(env, origin, job.outputKey)).url : null;
  return {
    job_id: job.id,
    status: job.status as "pending" | "processing" | "completed" | "failed",
    subject_type: params.subject_type as SubjectType,
    edge_softness: params.edge_softness,
    high_detail_mode: params.high_detail_mode,
    output_background: params.output_background as OutputBackground,
    // Jobs made before crop existed have neither field: they were not cropped.
    crop: params.crop ?? false,
    crop_margin: params.crop_margin ?? "0",
    output_url: outputUrl,
    tokens_deducted: job.tokensDeducted,
    wallet_transaction_id: job.walletTransactionId ?? "",
    provider: "self_hosted" as const,
    created_at: job.createdAt,
    completed_at: job.completedAt,
    error_message: job.errorMessage,
    width: result.width ?? null,
    height: result.height ?? null,
    crop_box: result.crop_box ?? null,
    // Jobs made before the field existed never kept their own alpha.
    keep_existing_alpha: params.keep_existing_alpha ?? false,
    alpha_source: job.status === "completed" ? alphaSourceOf(result) : null,
  };
}
