/**
 * Named laps of a job's steps, kept in its result so a slow job shows
 * where its time went. (workerd advances the clock only at I/O, so a lap is
 * the time between the I/O around it, which is what a caller waits for.)
 */
export function stopwatch(): { lap(name: string): void; timings: Record<string, number> } {
  const timings: Record<string, number> = {};
  let mark = performance.now();
  return {
    timings,
    lap(name) {
      const now = performance.now();
      timings[name] = Math.round(now - mark);
      mark = now;
    },
  };
}
