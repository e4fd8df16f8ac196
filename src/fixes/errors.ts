/**
 * A fix refused its input: retrying the same file cannot help. The fixes
 * know nothing of jobs; the AI fix job (src/ai-fix/process.ts) turns this
 * into a JobInputError, which fails the job at once with this message.
 */
export class FixInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FixInputError";
  }
}

/**
 * The fixes would write more pixels than the caller allows. Thrown while
 * planning, before any pixel is touched, and an input problem: retrying the
 * same file cannot make the output smaller.
 */
export class OutputTooLargeError extends FixInputError {
  constructor(
    readonly width: number,
    readonly height: number,
    readonly maxOutputPixels: number,
  ) {
    super(
      `The corrected image would be ${width}×${height} (${((width * height) / 1e6).toFixed(1)} MP), over the ${(maxOutputPixels / 1e6).toFixed(1)} MP output limit.`,
    );
    this.name = "OutputTooLargeError";
  }
}

/** A fix that cannot be applied to this file (an encrypted PDF, a conflicting set of fixes). */
export class FixNotApplicableError extends FixInputError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FixNotApplicableError";
  }
}

export function checkOutputPixels(width: number, height: number, maxOutputPixels: number): void {
  if (width * height > maxOutputPixels) throw new OutputTooLargeError(width, height, maxOutputPixels);
}
