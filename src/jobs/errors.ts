import { ImageDecodeError } from "../imaging/errors";

/**
 * A job failure caused by its input (unreachable URL, not an image, over a
 * limit): retrying cannot help, so the job fails at once with this message,
 * which callers see as `error_message`. Any other error is treated as
 * transient and retried until the queue's attempts run out.
 */
export class JobInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "JobInputError";
  }
}

/**
 * The source's bytes did not decode (an ImageDecodeError): a failure of the
 * input. A damaged file gets the general words; a limit or a feature the
 * decoders lack gets the decoder's own, which names it.
 */
export function undecodableImage(cause: unknown): JobInputError {
  if (cause instanceof ImageDecodeError && cause.reason !== "damaged") return new JobInputError(`The image could not be decoded: ${cause.message.replace(/\.$/, "")}.`, { cause });
  return new JobInputError("The image could not be decoded; the file may be truncated or damaged.", { cause });
}

/** The message a caller sees for a failure that is not their input's fault. */
export const INTERNAL_FAILURE_MESSAGE = "Processing failed on our side after several attempts; the tokens were refunded.";
