// A closed-loop load generator: `clients` callers, each sending its next
// request as soon as the previous one is answered, for `seconds`.
import http from "node:http";
import { percentile } from "../lib/stats.mjs";

function request(agent, url, { method, headers, payload, timeoutMs }) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request(url, { agent, method, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(payload);
  });
}

/**
 * Each client keeps one connection alive, as an HTTP client library does, so
 * the figures are the API's and not TCP set-up's. Only 2xx answers count as
 * served; anything else (a 429, a timeout) is counted apart. `keepAlive:
 * false` opens a connection per request (bench/stall-repro.mjs compares).
 */
export async function loadTest(url, { clients = 50, seconds = 10, method = "GET", headers = {}, body, timeoutMs = 10_000, keepAlive = true } = {}) {
  const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: clients }) : false;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const options = { method, headers: { ...headers, ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}) }, payload, timeoutMs };
  const latencies = [];
  const failures = {};
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const { status, ms } = await request(agent, url, options);
        if (status >= 200 && status < 300) latencies.push(ms);
        else failures[status || "error"] = (failures[status || "error"] ?? 0) + 1;
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  if (agent) agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    clients,
    seconds: Math.round(elapsedS * 10) / 10,
    served: sorted.length,
    failures,
    perSecond: Math.round(sorted.length / elapsedS),
    p50Ms: Math.round(percentile(sorted, 50) * 10) / 10,
    p99Ms: Math.round(percentile(sorted, 99) * 10) / 10,
    maxMs: Math.round((sorted.at(-1) ?? NaN) * 10) / 10,
  };
}
