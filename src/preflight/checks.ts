import { and, desc, eq } from "drizzle-orm";
import { database, schema } from "../db/client";
import { copyObject } from "../files/copy";
import { SourceError, sourceHttpError, stageSource, type StagedSource } from "../files/fetch-source";
import { preflightSourceKey } from "../files/keys";
import { MIME_TYPES, sniffType } from "../imaging/sniff";
import type { Env } from "../platform/env";
import { AppError, notFound } from "../platform/errors";
import { prefixedId } from "../platform/ids";
import { afterCursor, encodeCursor, pageOf, type PageQuery } from "../platform/pagination";
import { readSettings } from "../platform/settings";
import { analyzeFile } from "./analyze";
import { MIN_PPI } from "./dpi";
import { issue, type PreflightIssue, type Requirements } from "./issues";
import { takePreflightQuota } from "./quota";
import { PREFLIGHT_FILE_TYPES, type CreateCheck, type PreflightFileType, type Report, type ReportStatus } from "./schemas";

/** Without a profile or product type, files are held to the common print standard. */
export const DEFAULT_REQUIRED_DPI = 300;
/** 3 mm is the bleed most print shops ask for (1/8 in is 3.175 mm). */
export const DEFAULT_BLEED_MM = 3;

export interface ResolvedRequirements extends Requirements {
  /** Which requirements were not given and took their defaults. */
  defaulted: ("requiredDpi" | "requiredColorMode" | "bleedMm")[];
}

/** productProfile, then the productType's minimum ppi, then the defaults. */
export function resolveRequirements(body: CreateCheck): ResolvedRequirements {
  const profile = body.productProfile ?? {};
  const defaulted: ResolvedRequirements["defaulted"] = [];
  const requiredDpi = profile.requiredDpi ?? (body.productType ? MIN_PPI[body.productType] : DEFAULT_REQUIRED_DPI);
  if (profile.requiredDpi === undefined && !body.productType) defaulted.push("requiredDpi");
  if (profile.requiredColorMode === undefined) defaulted.push("requiredColorMode");
  if (profile.bleedMm === undefined) defaulted.push("bleedMm");
  return {
    requiredDpi,
    requiredColorMode: profile.requiredColorMode ?? "any",
    bleedMm: profile.bleedMm ?? DEFAULT_BLEED_MM,
    ...(body.canvasWidthInches !== undefined && body.canvasHeightInches !== undefined
      ? { canvas: { widthInches: body.canvasWidthInches, heightInches: body.canvasHeightInches } }
      : {}),
    ...(body.productType ? { productType: body.productType } : {}),
    defaulted,
  };
}

function statusOf(issues: PreflightIssue[]): ReportStatus {
  if (issues.some((i) => i.severity === "error")) return "failed";
  return issues.some((i) => i.severity === "warning") ? "warnings" : "passed";
}

/**
 * Adjusts what the analyzers raised to what the caller asked for. A bleed the
 * caller did not ask for (the 3 mm default) is worth a warning, not a
 * rejected file; a fileType that disagrees with the bytes leads the list.
 */
function finishIssues(issues: PreflightIssue[], requirements: ResolvedRequirements, claimed: PreflightFileType | undefined, actual: PreflightFileType): PreflightIssue[] {
  const adjusted = issues.map((i) =>
    i.code === "MISSING_BLEED" && requirements.defaulted.includes("bleedMm") && i.severity === "error" ? { ...i, severity: "warning" as const } : i,
  );
  if (claimed && claimed !== actual) {
    adjusted.unshift(
      issue("FILE_TYPE_MISMATCH", `fileType says ${claimed.toUpperCase()} but the file is ${actual.toUpperCase()}; it was checked as ${actual.toUpperCase()}.`, {
        claimed,
        detected: actual,
      }),
    );
  }
  return adjusted;
}

function summarize(issues: PreflightIssue[]): Report["summary"] {
  return {
    errors: issues.filter((i) => i.severity === "error").length,
    warnings: issues.filter((i) => i.severity === "warning").length,
    info: issues.filter((i) => i.severity === "info").length,
  };
}

type ReportRow = typeof schema.preflightReports.$inferSelect;

function toReport(row: ReportRow): Report {
  const issues = row.issues as unknown as PreflightIssue[];
  return {
    reportId: row.id,
    designId: row.designId,
    status: row.status,
    fileType: row.fileType,
    fileUrl: row.fileUrl,
    requirements: row.requirements,
    file: row.file,
    issues,
    summary: summarize(issues),
    createdAt: row.createdAt,
  };
}

/**
 * A full check, synchronously: quota, the file staged in R2 under the
 * report's source key (streamed, never held whole), then the report. A
 * check that ends without a report gives its quota back and leaves nothing
 * stored. `byWidget`: made with a storefront widget token, so it also counts
 * against the widgets' share.
 */
export async function runCheck(env: Env, accountId: string, body: CreateCheck, byWidget = false): Promise<Report> {
  const settings = readSettings(env);
  const releaseQuota = await takePreflightQuota(env, accountId, { widget: byWidget });
  try {
    const reportId = prefixedId("report");
    let staged: StagedSource;
    try {
      staged = await stageSource(
        env,
        body.fileUrl,
        preflightSourceKey(accountId, reportId),
        { maxBytes: Math.max(settings.maxSourceBytes, settings.maxPdfBytes), timeoutMs: settings.fetchTimeoutMs },
        // A PDF is parsed whole: kept as it arrives, it is not read back from R2 (one transfer, one put, no GET).
        { keepWhole: { maxBytes: settings.maxPdfBytes, accepts: (head) => sniffType(head) === "pdf" } },
      );
    } catch (error) {
      if (error instanceof SourceError) throw sourceHttpError(error, "fileUrl");
      throw error;
    }
    return await checkFile(env, accountId, {
      reportId,
      designId: body.designId,
      fileUrl: body.fileUrl,
      source: staged,
      requirements: resolveRequirements(body),
      claimedType: body.fileType,
      maxPdfBytes: settings.maxPdfBytes,
    });
  } catch (error) {
    await releaseQuota();
    throw error;
  }
}

export interface FileToCheck {
  designId: string;
  fileUrl: string;
  requirements: ResolvedRequirements;
  claimedType?: PreflightFileType;
  /** The file where it is stored: the report's own source key, or elsewhere (an upload, a job's output) to be copied there. */
  source: Pick<StagedSource, "key" | "file" | "head">;
  /** The report's id when the file was staged under its source key; new otherwise. */
  reportId?: string;
  /** PDFs are parsed whole in memory: larger ones are refused with 413. */
  maxPdfBytes: number;
}

/**
 * Checks a file (a fetched one, or an AI fix job's corrected file): type
 * from its first bytes, analysis, then the report to D1 with the file kept
 * in R2 as its source (fix jobs start from it). A file stored elsewhere is
 * copied to the report's source key once the analysis is done, so an
 * upload's retention sweep (or a rejected job) never takes a report's file
 * away. If no report results, the source key is left empty.
 */
export async function checkFile(env: Env, accountId: string, input: FileToCheck): Promise<Report> {
  const { requirements, source } = input;
  const reportId = input.reportId ?? prefixedId("report");
  const sourceKey = preflightSourceKey(accountId, reportId);
  try {
    const sniffed = sniffType(source.head);
    const fileType = PREFLIGHT_FILE_TYPES.find((t) => t === sniffed);
    if (!fileType) {
      throw new AppError(
        "UNPROCESSABLE_INPUT",
        `The file is not a JPEG, PNG, TIFF or PDF${sniffed ? ` (it is ${sniffed.toUpperCase()})` : ""}; preflight checks print files of those types.`,
        { details: { detected: sniffed } },
      );
    }
    if (fileType === "pdf" && source.file.size > input.maxPdfBytes) {
      throw new AppError(
        "PAYLOAD_TOO_LARGE",
        `The PDF is larger than the ${Math.floor(input.maxPdfBytes / (1024 * 1024))} MB a PDF may be (MAX_PDF_BYTES): PDFs are read whole to be checked.`,
        { details: { limitBytes: input.maxPdfBytes } },
      );
    }
    const analysis = await analyzeFile(source.file, source.head, fileType, requirements, { maxPixels: readSettings(env).maxSourcePixels });
    const issues = finishIssues(analysis.issues, requirements, input.claimedType, fileType);

    if (source.key !== sourceKey && !(await copyObject(env.FILES, source.key, sourceKey, { httpMetadata: { contentType: MIME_TYPES[fileType] } }))) {
      throw new AppError("UNPROCESSABLE_INPUT", "The file was deleted while it was being checked; upload it again.");
    }
    const row: ReportRow = {
      id: reportId,
      accountId,
      designId: input.designId,
      status: statusOf(issues),
      fileType,
      fileUrl: input.fileUrl,
      sourceKey,
      sourceBytes: source.file.size,
      requirements: { ...requirements },
      file: analysis.file as Record<string, unknown>,
      issues: issues as unknown as Record<string, unknown>[],
      createdAt: new Date().toISOString(),
    };
    await database(env.DB).insert(schema.preflightReports).values(row);
    return toReport(row);
  } catch (error) {
    await env.FILES.delete(sourceKey);
    throw error;
  }
}

/** The stored report row (fix jobs read its source key and facts), or null when not this account's. */
export async function findReportRow(env: Env, accountId: string, reportId: string): Promise<ReportRow | null> {
  const t = schema.preflightReports;
  const row = await database(env.DB)
    .select()
    .from(t)
    .where(and(eq(t.id, reportId), eq(t.accountId, accountId)))
    .get();
  return row ?? null;
}

export async function getReport(env: Env, accountId: string, reportId: string): Promise<Report> {
  const row = await findReportRow(env, accountId, reportId);
  if (!row) throw notFound("The report");
  return toReport(row);
}

/** Newest first; the cursor keeps pages stable while new reports arrive. */
export async function listReports(env: Env, accountId: string, query: PageQuery): Promise<{ data: Report[]; meta: { nextCursor: string | null } }> {
  const t = schema.preflightReports;
  const rows = await database(env.DB)
    .select()
    .from(t)
    .where(
      and(
        eq(t.accountId, accountId),
        afterCursor(t.createdAt, t.id, query.cursor),
      ),
    )
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(query.limit + 1);
  return pageOf(rows, query.limit, toReport, encodeCursor);
}

/** Deletes the report and its stored source. Fix jobs already created keep their own outputs. */
export async function deleteReport(env: Env, accountId: string, reportId: string): Promise<void> {
  const t = schema.preflightReports;
  const deleted = await database(env.DB)
    .delete(t)
    .where(and(eq(t.id, reportId), eq(t.accountId, accountId)))
    .returning({ sourceKey: t.sourceKey })
    .get();
  if (!deleted) throw notFound("The report");
  await env.FILES.delete(deleted.sourceKey);
}
