// Small statistics shared by the bench sections.

/** The middle value (the upper one of an even count): with 3 runs, the one neither fastest nor slowest. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The p-th percentile of values already sorted ascending, nearest rank; NaN when there are none. */
export const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
