// Fresh local API servers for measured stretches, and what a section's
// servers share.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stopNetworkInspection } from "./inspector.mjs";
import { demoToken, freePort, snapshotProject, startApi, startFileServer } from "./servers.mjs";

/**
 * What one section's servers share, removed afterwards: a file server for
 * `filesDir` (sources are fetched over HTTP, as callers' URLs are), a state
 * directory (D1, R2 and Durable Objects persist from one server to the
 * next) and one snapshot of the project's files (see snapshotProject,
 * which applies `patches`). Hands `use` the context withApiServer takes.
 */
export async function withBenchContext({ name, filesDir, vars = {}, patches = [] }, use) {
  const files = await startFileServer(filesDir);
  const stateDir = mkdtempSync(path.join(tmpdir(), `bench-${name}-`));
  const project = snapshotProject(patches);
  try {
    return await use({ files, stateDir, projectDir: project.dir, vars });
  } finally {
    files.close();
    project.remove();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/**
 * Starts the API from `projectDir` with `vars` (and wrangler's Network
 * inspection off, see stopNetworkInspection), hands `use` the base URL, a
 * demo token, the workerd runtime's pid, wrangler's DevTools port (a free
 * one: other local sessions may hold the default) and a URL maker for
 * `files` (a startFileServer), and stops the server afterwards. A runtime
 * that restarted in between (a rebuild, a crash) would have reset its
 * memory high-water mark, so that is an error rather than a figure.
 */
export async function withApiServer({ files, stateDir, projectDir, vars }, use) {
  const inspectorPort = await freePort();
  const server = await startApi({ port: await freePort(), stateDir, vars, projectDir, inspectorPort });
  try {
    await stopNetworkInspection(inspectorPort);
    const token = await demoToken(server.base);
    const pid = server.workerdPid();
    const result = await use({ base: server.base, token, pid, inspectorPort, url: (file) => `${files.base}/${path.basename(file)}` });
    if (server.workerdPid() !== pid) throw new Error("workerd restarted during the measurement; its memory figures are not this run's");
    return result;
  } finally {
    server.stop();
    // The port and the persisted state are free again only once wrangler has exited.
    await new Promise((r) => setTimeout(r, 1000));
  }
}
