/**
 * Why an image could not be decoded: the file's data is broken, it uses a
 * feature no decoder here has, or it is larger than a limit allows. A
 * caller's own errors never take this type, so a job can tell "the input is
 * bad" (fail it, refund) from "this code failed" (retry).
 */
export type DecodeFailure = "damaged" | "unsupported" | "too_large";

export class ImageDecodeError extends Error {
  override name = "ImageDecodeError";

  constructor(
    message: string,
    options?: ErrorOptions & { reason?: DecodeFailure },
  ) {
    super(message, options);
    this.reason = options?.reason ?? "damaged";
  }

  readonly reason: DecodeFailure;
}
