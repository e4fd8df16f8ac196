import { and, desc, eq } from "drizzle-orm";
import { database, schema } from "../db/client";
import { fetchSource, SourceError, sourceHttpError } from "../files/fetch-source";
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
 * A full check, synchronously: quota, safe fetch, then the report. A check
 * that ends without a report gives its quota back. `byWidget`: made with a
 * storefront widget token, so it also counts against the widgets' share.
 */
export async function runCheck(env: Env, accountId: string, body: CreateCheck, byWidget = false): Promise<Report> {
  const settings = readSettings(env);
  const releaseQuota = await takePreflightQuota(env, accountId, { widget: byWidget });
  try {
    let bytes: Uint8Array;
    try {
      ({ bytes } = await fetchSource(env, body.fileUrl, { maxBytes: settings.maxSourceBytes, timeoutMs: settings.fetchTimeoutMs }));
    } catch (error) {
      if (error instanceof SourceError) throw sourceHttpError(error, "fileUrl");
      throw error;
    }
    return await checkFile(env, accountId, {
      designId: body.designId,
      fileUrl: body.fileUrl,
      bytes,
      requirements: resolveRequirements(body),
      claimedType: body.fileType,
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
  /** The whole file, or only its start when `byteLength` is larger (see analyzeRaster). */
  bytes: Uint8Array;
  byteLength?: number;
  /** Stores the whole file as the report's source; by default `bytes` are put. */
  storeSource?: (key: string, contentType: string) => Promise<void>;
}

/**
 * Checks a file (a fetched one, or an AI fix job's corrected file): type
 * from the bytes, analysis, then the source to R2 (fix jobs start from it)
 * and the report to D1.
 */
export async function checkFile(env: Env, accountId: string, input: FileToCheck): Promise<Report> {
  const { bytes, requirements } = input;
  const byteLength = input.byteLength ?? bytes.byteLength;
  const sniffed = sniffType(bytes);
  const fileType = PREFLIGHT_FILE_TYPES.find((t) => t === sniffed);
  if (!fileType) {
    throw new AppError(
      "UNPROCESSABLE_INPUT",
      `The file is not a JPEG, PNG, TIFF or PDF${sniffed ? ` (it is ${sniffed.toUpperCase()})` : ""}; preflight checks print files of those types.`,
      { details: { detected: sniffed } },
    );
  }
  const analysis = await analyzeFile(bytes, fileType, requirements, { maxPixels: readSettings(env).maxSourcePixels }, byteLength);
  const issues = finishIssues(analysis.issues, requirements, input.claimedType, fileType);

  const reportId = prefixedId("report");
  const sourceKey = preflightSourceKey(accountId, reportId);
  if (input.storeSource) await input.storeSource(sourceKey, MIME_TYPES[fileType]);
  else await env.FILES.put(sourceKey, bytes, { httpMetadata: { contentType: MIME_TYPES[fileType] } });
  const row: ReportRow = {
    id: reportId,
    accountId,
    designId: input.designId,
    status: statusOf(issues),
    fileType,
    fileUrl: input.fileUrl,
    sourceKey,
    sourceBytes: byteLength,
    requirements: { ...requirements },
    file: analysis.file as Record<string, unknown>,
    issues: issues as unknown as Record<string, unknown>[],
    createdAt: new Date().toISOString(),
  };
  try {
    await database(env.DB).insert(schema.preflightReports).values(row);
  } catch (error) {
    await env.FILES.delete(sourceKey);
    throw error;
  }
  return toReport(row);
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
