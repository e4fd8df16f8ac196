import { expect } from "vitest";
import { ImageDecodeError } from "../../src/imaging/errors";

// What the decoder suites compare and expect, in one place.

/** Bytes that differ between two buffers, plus any difference in length (toEqual on millions of bytes is slow and prints nothing useful). */
export function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = Math.abs(a.length - b.length);
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/** Largest difference of any byte, and how many differ at all; buffers of different lengths fail the test. */
export function compare(a: ArrayLike<number>, b: ArrayLike<number>): { maxDiff: number; differing: number } {
  expect(a.length).toBe(b.length);
  let maxDiff = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d) count++;
    if (d > maxDiff) maxDiff = d;
  }
  return { maxDiff, differing: count };
}

/**
 * What `run` rejects with, which must be an ImageDecodeError, within 10 s:
 * a decoder that loops on bad input would otherwise hang the suite.
 */
export async function decodeRejection(run: () => Promise<unknown>): Promise<ImageDecodeError> {
  const error = await rejection(run);
  expect(error).toBeInstanceOf(ImageDecodeError);
  return error as ImageDecodeError;
}

/** What `run` rejects with, within 10 s; a resolution fails the test. */
export async function rejection(run: () => Promise<unknown>): Promise<Error> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000)));
  try {
    await Promise.race([run(), timeout]);
  } catch (error) {
    return error as Error;
  } finally {
    clearTimeout(timer);
  }
  throw new Error("expected a rejection");
}
