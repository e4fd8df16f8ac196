import { assertFetchableUrl } from "../files/fetch-source";
import { jobOutputKey } from "../files/keys";
import { fileLink } from "../files/links";
import { createJob, type NewJob } from "../jobs/create-job";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { STICKER_MAX_TOKENS } from "../pricing/prices";
import type { SubjectType } from "../bg-removal/schemas";
import type { CreateSticker } from "./schemas";

export type StickerParams = Omit<CreateSticker, "image_url">;

import type { AlphaSource } from "../bg-removal/guide";

/** Where a sticker's outline came from; only "model" keeps the segmentation's tokens. */
export type { AlphaSource };

/** What the render step records about a finished sticker (the job's `result`). */
export interface StickerResult {
  width_px: number;
  height_px: number;
  cut_length_mm: number;
  pieces: number;
  alpha_source: AlphaSource;
  svg_key: string;
  pdf_key: string;
  [fact: string]: unknown;
}

export function stickerFileKeys(job: Pick<Job, "accountId" | "id">): { png: string; svg: string; pdf: string } {
  return {
    png: jobOutputKey(job.accountId, job.id, "png"),
    svg: jobOutputKey(job.accountId, job.id, "svg"),
    pdf: jobOutputKey(job.accountId, job.id, "pdf"),
  };
}

/**
 * Charges the most a sticker can cost (contour and files, plus the model);
 * the model's part goes back at settlement when it did not run
 * (src/stickers/render.ts).
 */
export async function createSticker(env: Env, accountId: string, input: CreateSticker, chargeKey?: string, widget?: NewJob["widget"]): Promise<Job> {
  await assertFetchableUrl(env, input.image_url, "image_url");
  const { image_url, ...params } = input;
  return createJob(env, {
    accountId,
    kind: "sticker",
    service: "stickers",
    sourceUrl: image_url,
    params,
    tokens: STICKER_MAX_TOKENS,
    chargeKey,
    widget,
  });
}

/** The flat snake_case job, like background removal's. */
export async function toStickerResponse(env: Env, origin: string, job: Job) {
  const params = job.params as StickerParams;
  const result = job.status === "completed" ? ((job.result ?? {}) as Partial<StickerResult>) : {};
  const link = async (key: string | null | undefined) => (job.status === "completed" && key ? (await fileLink(env, origin, key)).url : null);
  return {
    job_id: job.id,
    status: job.status as "pending" | "processing" | "completed" | "failed",
    tokens_deducted: job.tokensDeducted,
    wallet_transaction_id: job.walletTransactionId ?? "",
    created_at: job.createdAt,
    subject_type: params.subject_type as SubjectType,
    keep_existing_alpha: params.keep_existing_alpha,
    size_inches: params.size_inches,
    dpi: params.dpi,
    border_mm: params.border_mm,
    border_color: params.border_color,
    bleed_mm: params.bleed_mm,
    min_radius_mm: params.min_radius_mm,
    single_piece: params.single_piece,
    output_url: await link(job.outputKey),
    cut_svg_url: await link(result.svg_key),
    cut_pdf_url: await link(result.pdf_key),
    width_px: result.width_px ?? null,
    height_px: result.height_px ?? null,
    cut_length_mm: result.cut_length_mm ?? null,
    pieces: result.pieces ?? null,
    alpha_source: result.alpha_source ?? null,
    tokens_charged: job.tokensCharged,
    completed_at: job.completedAt,
    error_message: job.errorMessage,
  };
}
