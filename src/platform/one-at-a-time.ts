/**
 * Runs tasks one at a time, in the order they ask; a task starts once the
 * one before it has settled.
 *
 * Callers are requests of one isolate, so nothing here hands one request a
 * promise another request made: a continuation on a promise of a request
 * that has ended is cancelled by the runtime. Each waiter waits on its own
 * promise, which the task before it resolves. A task whose request was
 * cancelled mid-way (the client went away) may never settle; the first
 * waiter watches the clock from its own request and takes the turn once
 * the holder has had it for `maxHoldMs`.
 */
export function oneAtATime(maxHoldMs: number): <T>(task: () => Promise<T>) => Promise<T> {
  let holder: symbol | null = null;
  let heldSince = 0;
  const queue: { id: symbol; wake: () => void }[] = [];

  const next = () => {
    const waiter = queue.shift();
    holder = waiter?.id ?? null;
    heldSince = Date.now();
    waiter?.wake();
  };

  return async (task) => {
    const id = Symbol("turn");
    if (holder === null) {
      holder = id;
      heldSince = Date.now();
    } else {
      await new Promise<void>((resolve) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const waiter = {
          id,
          wake: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const watch = () => {
          const left = heldSince + maxHoldMs - Date.now();
          if (queue[0] === waiter && left <= 0) return next();
          timer = setTimeout(watch, queue[0] === waiter ? left : maxHoldMs);
        };
        queue.push(waiter);
        watch();
      });
    }
    try {
      return await task();
    } finally {
      // A holder whose turn was taken from it must not end its successor's.
      if (holder === id) next();
    }
  };
}
