/** How often a waiting task looks whether its turn has come. */
const POLL_MS = 20;

/**
 * Runs tasks one at a time, in the order they ask; a task starts once the
 * one before it has settled.
 *
 * Callers are requests of one isolate, and the runtime does not let one
 * request resolve another's promises or clear its timers, so nobody wakes a
 * waiter: each waiter looks at the shared turn from its own request, on a
 * timer of its own. A task whose request was cancelled (the client went
 * away) may never settle, and a waiter whose request was cancelled never
 * looks again; either is passed over once it has held the turn, or not
 * been seen, for `maxHoldMs`.
 */
export function oneAtATime(maxHoldMs: number): <T>(task: () => Promise<T>) => Promise<T> {
  let holder: symbol | null = null;
  let heldSince = 0;
  const queue: { id: symbol; seen: number }[] = [];

  return async (task) => {
    const me = { id: Symbol("turn"), seen: Date.now() };
    queue.push(me);
    for (;;) {
      const now = (me.seen = Date.now());
      // Passed over while the isolate was too busy to let it look: back in the queue, at its end.
      if (!queue.includes(me)) queue.push(me);
      while (queue[0] !== me && now - queue[0]!.seen > maxHoldMs) queue.shift();
      if (queue[0] === me && (holder === null || now - heldSince >= maxHoldMs)) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    queue.shift();
    holder = me.id;
    heldSince = Date.now();
    try {
      return await task();
    } finally {
      // A holder whose turn was taken from it must not end its successor's.
      if (holder === me.id) holder = null;
    }
  };
}
