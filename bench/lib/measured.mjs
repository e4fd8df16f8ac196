// The CPU per job the sections of this run measured, for the bill
// (bench/bill.mjs) to read: so that the bill's figures come from the same
// run as the tables above it, not from an older RESULTS.md copied by hand.
// bench/run.mjs imports every section and the bill into one Node process,
// so one module-level list is the whole hand-over.

const recorded = [];

/**
 * One job kind and size as a section measured it.
 *
 * - `kind`: a key of bench/bill.mjs KINDS ("checkPdf", "fixRaster", …)
 * - `key`: which size of that kind it is, as bench/bill.mjs TRANSCRIBED
 *   names it ("1 p", "12 MP 4×", "1 MP JPEG", …), so that it replaces the
 *   figure transcribed from an earlier run
 * - `label`: the size as the bill's tables show it
 * - `cpuMs`: CPU milliseconds per job
 * - `covers`: what that figure takes in (and what it does not)
 * - `row`: the section and table of this run it was read from
 * - `size`: what the job's counts depend on (sourceBytes, outputBytes,
 *   keptBytes), as far as the section knows them
 * - `tokens`: tokens the job was charged, when it differs by size
 */
export function recordCpu({ kind, key, label, cpuMs, covers, row, size = {}, tokens }) {
  if (!kind || !key || !label || !Number.isFinite(cpuMs) || !covers || !row) throw new Error(`recordCpu: incomplete record ${JSON.stringify({ kind, key, label, cpuMs })}`);
  recorded.push({ kind, key, label, cpuMs, covers, row, size, ...(tokens === undefined || tokens === null ? {} : { tokens: String(tokens) }) });
}

/** What this run recorded so far, in the order it was recorded. */
export function recordedCpu() {
  return recorded.slice();
}
