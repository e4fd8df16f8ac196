import type { Env } from "../platform/env";
import { AppError, fromSchemaIssues, validationError } from "../platform/errors";
import { MODEL_MANIFEST_KEY, ModelManifest, storedSha256 } from "./manifest";

const MODEL_FILE_PATH = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Stores one model file in R2 under models/<name>/. R2 checks the body
 * against the SHA-256 the operator sends and records it, which is what the
 * loader compares with the manifest on every use.
 */
export async function putModelFile(env: Env, name: string, path: string, sha256: string, body: ReadableStream | ArrayBuffer): Promise<{ key: string; bytes: number }> {
  if (!MODEL_FILE_PATH.test(name) || !MODEL_FILE_PATH.test(path)) {
    throw validationError([{ path: "path", message: "invalid name" }], "Model and file names may use letters, digits, '.', '_' and '-'.");
  }
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw validationError([{ path: "X-Content-SHA256", message: "must be 64 hex digits" }], "X-Content-SHA256 must be the file's SHA-256 in hex.");
  }
  const key = `models/${name}/${path}`;
  try {
    const object = await env.FILES.put(key, body, { sha256, httpMetadata: { contentType: "application/octet-stream" } });
    return { key, bytes: object?.size ?? 0 };
  } catch (error) {
    throw new AppError("UNPROCESSABLE_INPUT", "The file does not match its SHA-256.", { cause: error });
  }
}

/** Makes a manifest the active model, after checking that every file it names is stored and matches. */
export async function activateModel(env: Env, input: unknown): Promise<ModelManifest> {
  const parsed = ModelManifest.safeParse(input);
  if (!parsed.success) {
    throw validationError(fromSchemaIssues(parsed.error.issues), "Not a valid model manifest.");
  }
  const manifest = parsed.data;
  for (const file of manifest.files) {
    const head = await env.FILES.head(`${manifest.keyPrefix}${file.path}`);
    if (!head || head.size !== file.bytes || storedSha256(head) !== file.sha256) {
      throw new AppError("UNPROCESSABLE_INPUT", `Model file ${file.path} is missing or does not match the manifest.`);
    }
  }
  await env.FILES.put(MODEL_MANIFEST_KEY, JSON.stringify(manifest), { httpMetadata: { contentType: "application/json" } });
  return manifest;
}
