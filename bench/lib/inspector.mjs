// A small Chrome DevTools Protocol client for the local Workers runtime.
// The memory benchmark samples an isolate from inside through it: local
// workerd does not enforce the 128 MB limit, and the process's resident set
// mixes every Worker, D1, R2 and allocator slack.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

// Node 20 has no WebSocket client of its own; wrangler brings `ws` (through miniflare).
const fromWrangler = createRequire(path.join(root, "node_modules", "wrangler", "package.json"));
const WebSocket = createRequire(fromWrangler.resolve("miniflare"))("ws");

/** A Worker's name as its wrangler config gives it. */
export function workerName(config) {
  const name = /^name\s*=\s*"([^"]+)"/m.exec(readFileSync(path.join(root, config), "utf8"))?.[1];
  if (!name) throw new Error(`${config}: no name`);
  return name;
}

/**
 * One DevTools session. Events go to every listener from the moment the
 * socket opens (a session's first events arrive unasked); `send` resolves
 * with a command's result and rejects on a protocol error or when the
 * session closes.
 */
export async function openInspector(url) {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  const pending = new Map();
  const listeners = [];
  let nextId = 0;
  let closed = false;
  let closedWith = "";
  socket.on("message", (data) => {
    const message = JSON.parse(data.toString());
    const waiting = message.id !== undefined && pending.get(message.id);
    if (waiting) {
      pending.delete(message.id);
      if (message.error) waiting.reject(new Error(`${waiting.method}: ${JSON.stringify(message.error)}`));
      else waiting.resolve(message.result);
    } else {
      for (const listener of listeners) listener(message);
    }
  });
  socket.on("close", (code, reason) => {
    closed = true;
    closedWith = `${code}${reason.length ? ` ${reason}` : ""}`;
    for (const { reject, method } of pending.values()) reject(new Error(`${method}: the inspector session closed (${closedWith})`));
    pending.clear();
  });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => {}); // a close follows, which fails what is pending
  return {
    /** A command; with `timeoutMs`, one that has no answer by then is given up (its answer, if any, is dropped). */
    send(method, params = {}, { timeoutMs } = {}) {
      if (closed) return Promise.reject(new Error(`${method}: the inspector session closed (${closedWith})`));
      const id = ++nextId;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => {
        const timer = timeoutMs && setTimeout(() => pending.delete(id) && reject(new Error(`${method}: no answer within ${timeoutMs} ms`)), timeoutMs);
        const settle = (settleWith) => (value) => {
          clearTimeout(timer);
          settleWith(value);
        };
        pending.set(id, { resolve: settle(resolve), reject: settle(reject), method });
      });
    },
    on(listener) {
      listeners.push(listener);
    },
    get closed() {
      return closed;
    },
    close() {
      socket.close();
    },
  };
}

/**
 * The inspector of a Worker other than the first in a `wrangler dev`
 * session (the queue consumer): the runtime's own, which serves every
 * Worker. wrangler's DevTools port offers only the first Worker, and holds
 * that one's session on the runtime itself. The runtime picks its
 * inspector port at random and reports it to wrangler only; it is the
 * runtime's first listening socket (the others speak Cap'n Proto, which an
 * HTTP request would break, so only that one is asked).
 */
export async function runtimeInspectorUrl(runtimePid, name) {
  const listening = execFileSync("ss", ["-Hltnp"], { encoding: "utf8" })
    .split("\n")
    .map((line) => ({ port: /127\.0\.0\.1:(\d+)/.exec(line)?.[1], fd: Number(new RegExp(`pid=${runtimePid},fd=(\\d+)`).exec(line)?.[1]) }))
    .filter((socket) => socket.port && socket.fd)
    .sort((a, b) => a.fd - b.fd);
  if (!listening.length) throw new Error(`workerd ${runtimePid} listens on no loopback port`);
  const targets = await (await fetch(`http://127.0.0.1:${listening[0].port}/json/list`)).json();
  const target = targets.find((t) => t.id === `core:user:${name}`);
  if (!target) throw new Error(`no inspector target for ${name}; the runtime offers ${targets.map((t) => t.id).join(", ")}`);
  return target.webSocketDebuggerUrl;
}

/** wrangler's DevTools endpoint (`--inspector-port`): the first Worker of the session, the API. */
export const devtoolsUrl = (inspectorPort) => `ws://127.0.0.1:${inspectorPort}/ws`;

/**
 * wrangler keeps the runtime's Network domain on in its DevTools session
 * with the first Worker (the API), so every chunk of every subrequest body
 * that Worker reads becomes an inspector event relayed through wrangler
 * (5,000 for one 21 MB source file): a full check of a large file took 2–3×
 * as long as with it off (12 MP PNG 4.6 s against 2.1 s, 200-page PDF 3.2 s
 * against 1.0 s). A deployed Worker has no inspector, so the bench turns it
 * off once the server is up; it stays off until wrangler reconnects to the
 * runtime, which only a reload does (the bench's project copy never changes).
 */
export async function stopNetworkInspection(inspectorPort) {
  const inspector = await openInspector(devtoolsUrl(inspectorPort));
  try {
    await inspector.send("Network.disable");
  } finally {
    inspector.close();
  }
}
