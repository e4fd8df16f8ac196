import { fixtureUrl } from "./fixtures";

export interface ToolRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The file the tool wrote where its arguments said "{out}", if it wrote one. */
  output: Uint8Array | null;
}

/**
 * Runs a Debian tool (poppler, qpdf, rsvg-convert, ImageMagick) on bytes a
 * test made inside workerd, through the fixture server on 127.0.0.1
 * (test/helpers/fixture-server.ts): the independent reading of our files.
 * "{in}" in `args` names the file holding `bytes` (with `ext`), "{out}" a
 * file for the tool's output (or the root of its name, for a tool that adds
 * a suffix: `pdftoppm -singlefile -png {in} {out}` writes {out}.png).
 */
export async function runTool(tool: string, bytes: Uint8Array, args: string[], ext = ""): Promise<ToolRun> {
  const url = `${fixtureUrl("", "tools")}${tool}?args=${encodeURIComponent(JSON.stringify(args))}&ext=${encodeURIComponent(ext)}`;
  const res = await fetch(url, { method: "POST", body: bytes });
  if (!res.ok) throw new Error(`${tool}: ${res.status} ${await res.text()}`);
  const run = (await res.json()) as { exitCode: number; stdout: string; stderr: string; output: string | null };
  const output = run.output === null ? null : Uint8Array.from(atob(run.output), (c) => c.charCodeAt(0));
  return { ...run, output };
}
