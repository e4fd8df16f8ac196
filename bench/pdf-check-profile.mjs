#!/usr/bin/env node
// Where a full PDF check spends the API Worker's time, from inside the local
// runtime: V8's sampling profiler through the DevTools inspector over `runs`
// checks of one bench PDF (after one unprofiled check), summed by phase
// (the first of a phase's functions found on a sample's stack, innermost
// first) and by function.
//
//   node bench/pdf-check-profile.mjs [pages=200] [runs=5] [out.cpuprofile]
//
// The samples are the runtime thread's wall clock while the API isolate is
// entered, not CPU time: a sample taken while the isolate waits in a
// binding (the R2 put, the body read, a D1 query; in the local runtime R2
// and D1 run in the same process) counts for that binding, and a loaded
// machine stretches them all. The workerd process's CPU per check is printed
// beside them; `node bench/preflight.mjs pdf` measures without the profiler.
import { writeFileSync } from "node:fs";
import { withApiServer, withBenchContext } from "./lib/api-server.mjs";
import { devtoolsUrl, openInspector } from "./lib/inspector.mjs";
import { processCpuMs } from "./lib/cpu.mjs";
import { benchPdf, printFilesDir } from "./preflight/files.mjs";
import { runCheck } from "./preflight/api.mjs";

const pages = Number(process.argv[2] ?? 200);
const runs = Number(process.argv[3] ?? 5);
const outFile = process.argv[4];

/** Phases by function names on the stack (the bundle has one file, so names, not files, tell them apart). */
const PHASES = [
  ["analysis: page content (lexer, interpreter, inflate)", /^(runPage|runForm)$/],
  ["analysis: fonts (resource walk)", /^collect$/],
  ["analysis: page tree, boxes, annotations", /^(walkPageTree|measureBoxes|printedAppearances)$/],
  ["analysis: cross-reference data", /^openLazily$/],
  ["analysis: issues and summary", /^(raisePdfIssues|summarizeContent)$/],
  ["analysis: pdf-lib full parse (fallback)", /^PDFDocument\d*\.load$/],
  ["analysis: other", /^analyze(Document|Pdf)$/],
  ["source: R2 put", /^put$/],
  ["source: fetch and body read", /^(stageSource|withRemote|readRest)$/],
  ["report: D1 insert", /^(insert|queryWithCache)$/],
];

function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phase = new Map();
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(id);
    const name = node.callFrame.functionName || "(anonymous)";
    if (name === "(idle)") return;
    total += us;
    const key = `${name} ${node.callFrame.url.split("/").at(-1)}:${node.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
    let label = name === "(garbage collector)" ? "garbage collection" : "other (request, auth, quota, JSON, runtime)";
    outer: for (let at = id; at !== undefined; at = parent.get(at)) {
      const fn = byId.get(at).callFrame.functionName;
      for (const [phaseLabel, pattern] of PHASES) {
        if (pattern.test(fn)) {
          label = phaseLabel;
          break outer;
        }
      }
    }
    phase.set(label, (phase.get(label) ?? 0) + us);
  });
  return { total, phase, self };
}

const ms = (us) => (us / 1000 / runs).toFixed(1);

await withBenchContext({ name: "pdf-profile", filesDir: printFilesDir, vars: { RATE_LIMIT_PER_MINUTE: "100000000", PREFLIGHT_CHECKS_PER_DAY: "1000000" } }, (context) =>
  withApiServer(context, async ({ base, token, pid, inspectorPort, url }) => {
    const pdf = benchPdf(pages);
    await runCheck(base, token, url(pdf.file), "pdf");
    const inspector = await openInspector(devtoolsUrl(inspectorPort));
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 100 });
    await inspector.send("Profiler.start");
    const cpuBefore = processCpuMs(pid);
    for (let r = 0; r < runs; r++) await runCheck(base, token, url(pdf.file), "pdf");
    const cpu = (processCpuMs(pid) - cpuBefore) / runs;
    const { profile } = await inspector.send("Profiler.stop");
    inspector.close();
    if (outFile) writeFileSync(outFile, JSON.stringify(profile));
    const { total, phase, self } = summarize(profile);
    console.log(`${pages} pages, ${runs} checks: workerd process CPU ${cpu.toFixed(0)} ms per check (with the profiler on), API isolate sampled ${ms(total)} ms per check\n`);
    console.log("| phase | ms per check | ms per page |\n|---|---|---|");
    for (const [label, us] of [...phase].sort((a, b) => b[1] - a[1])) console.log(`| ${label} | ${ms(us)} | ${(us / 1000 / runs / pages).toFixed(3)} |`);
    console.log("\nTop functions (self time, ms per check):");
    for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${ms(us).padStart(6)}  ${key}`);
  }),
);
