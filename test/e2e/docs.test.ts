import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ISSUE_CODES } from "../../src/preflight/issues";
import { FIX_TYPE_TOKENS } from "../../src/pricing/prices";
import { baseUrl } from "./http";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DOCS = readdirSync(path.join(ROOT, "docs"))
  .filter((name) => name.endsWith(".md"))
  .sort()
  .map((name) => `docs/${name}`);
/** README first: its walk-through is what a newcomer runs first. */
const PAGES = ["README.md", ...DOCS];
const read = (page: string) => readFileSync(path.join(ROOT, page), "utf8");

/** The address the docs are written for: `npm run dev` on its default port. */
const DOCS_BASE = "http://127.0.0.1:8787";
const CALLS_API = /127\.0\.0\.1:8787|\$API\b/;

describe("docs/preflight.md and docs/ai-fixes.md", () => {
  it("documents every preflight issue code with its severity, meaning and fix", () => {
    const page = read("docs/preflight.md");
    for (const [code, entry] of Object.entries(ISSUE_CODES)) {
      expect(page, code).toContain(`| \`${code}\` | ${entry.defaultSeverity} | ${entry.meaning} | ${entry.fix} |`);
    }
  });

  it("states every fix type's token price as the pricing table has it", () => {
    const page = read("docs/ai-fixes.md");
    for (const [fixType, tokens] of Object.entries(FIX_TYPE_TOKENS)) {
      expect(page, fixType).toContain(`| \`${fixType}\` | ${tokens} |`);
    }
  });
});

type Fence = { page: string; line: number; lang: string; marks: string[]; code: string };

/** Fenced blocks of a Markdown page, with the words after the language (`sh norun`). */
function fences(page: string): Fence[] {
  const found: Fence[] = [];
  let open: Fence | null = null;
  const lines = read(page).split("\n");
  for (const [index, text] of lines.entries()) {
    if (!open) {
      const start = /^```(\S*)\s*(.*)$/.exec(text);
      if (start) open = { page, line: index + 1, lang: start[1] ?? "", marks: (start[2] ?? "").split(/\s+/).filter(Boolean), code: "" };
    } else if (text === "```") {
      found.push(open);
      open = null;
    } else {
      open.code += `${text}\n`;
    }
  }
  return found;
}

/** Headings outside code blocks, as GitHub turns them into anchors. */
function anchors(page: string): Set<string> {
  const seen = new Map<string, number>();
  const slugs = new Set<string>();
  let inFence = false;
  for (const text of read(page).split("\n")) {
    if (text.startsWith("```")) inFence = !inFence;
    const heading = !inFence && /^#{1,6} (.*)$/.exec(text);
    if (!heading) continue;
    const slug = (heading[1] ?? "")
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    // A repeated heading gets -1, -2, … as GitHub numbers them.
    const count = seen.get(slug) ?? 0;
    slugs.add(count ? `${slug}-${count}` : slug);
    seen.set(slug, count + 1);
  }
  return slugs;
}

describe("links", () => {
  it("README links every page under docs/", () => {
    const readme = read("README.md");
    for (const page of DOCS) expect(readme, page).toContain(`](${page})`);
  });

  it("every relative link and anchor of README.md and docs/*.md points at something that exists", () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      const text = read(page).replace(/^```[\s\S]*?^```$/gm, "");
      for (const [, target = ""] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [file = "", anchor] = target.split("#");
        const resolved = file ? path.resolve(path.dirname(path.join(ROOT, page)), file) : path.join(ROOT, page);
        // The API reference and contract live beside the repository (../shared/spec), not in it.
        if (!resolved.startsWith(`${ROOT}${path.sep}`)) continue;
        if (!existsSync(resolved)) broken.push(`${page}: ${target} (no such file)`);
        else if (anchor && !anchors(path.relative(ROOT, resolved)).has(anchor)) broken.push(`${page}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});

// Every `sh` block either calls the API that `npm run dev` serves, and is run
// here, or says in its info string why it is not (`sh norun`: deploying, the
// whole suite, benchmarks, files not in the repository). A block that shows
// an error on purpose says `sh expect-error`.
describe("each page's commands kept runnable", () => {
  const ran: string[] = [];
  const skipped: string[] = [];
  afterAll(() => {
    console.log(
      `docs commands: ran ${ran.length} sh blocks, skipped ${skipped.length} marked norun\n` +
        `  ran: ${ran.join(", ")}\n  skipped: ${skipped.join(", ")}`,
    );
  });

  it.each(PAGES)("runs the sh blocks of %s against npm run dev", async (page) => {
    const blocks = fences(page).filter((fence) => ["sh", "bash", "shell"].includes(fence.lang));
    const unmarked = blocks.filter((b) => !b.marks.includes("norun") && !CALLS_API.test(b.code));
    expect(unmarked.map((b) => `${b.page}:${b.line}`), "sh blocks that neither call the API nor say norun").toEqual([]);
    const runnable = blocks.filter((b) => !b.marks.includes("norun"));
    skipped.push(...blocks.filter((b) => b.marks.includes("norun")).map((b) => `${b.page}:${b.line}`));
    if (runnable.length === 0) return;

    // A scratch directory per page: downloads land there, not in the
    // repository, and a link to test/ lets `@test/fixtures/…` resolve as it
    // does from the repository's root.
    const scratch = mkdtempSync(path.join(tmpdir(), "printcart-docs-"));
    symlinkSync(path.join(ROOT, "test"), path.join(scratch, "test"));
    try {
      for (const block of runnable) {
        const where = `${block.page}:${block.line}`;
        const { code, output, answers } = await runBlock(block, scratch);
        expect(code, `${where} exited with ${code}:\n${output}`).toBe(0);
        const bodies = answers.map((answer, i) => {
          try {
            return JSON.parse(answer) as unknown;
          } catch {
            throw new Error(`${where}: answer ${i + 1} is not JSON: ${answer.slice(0, 300)}\n${output}`);
          }
        });
        const errors = bodies.filter((body) => typeof body === "object" && body !== null && "error" in body);
        if (block.marks.includes("expect-error")) expect(errors.length, `${where} is marked expect-error`).toBeGreaterThan(0);
        else expect(errors, `${where} got error answers:\n${output}`).toEqual([]);
        expect(answers.length, `${where} made no API call`).toBeGreaterThan(0);
        // Every file a block downloads with `curl -o` is there and not empty.
        for (const [, file = ""] of block.code.matchAll(/curl [^\n]*-o (\S+)/g)) {
          if (file === "/dev/null") continue;
          const saved = path.join(scratch, file);
          expect(existsSync(saved) && statSync(saved).size > 0, `${where} downloaded ${file}`).toBe(true);
        }
        ran.push(where);
      }
      if (page === "README.md") {
        // The walk-through, end to end: every step ran.
        const walked = runnable.map((b) => b.code).join("\n");
        for (const step of ["/v1/account/login", "/v1/wallet", "/v1/services/uploads", "/v1/services/bg-remove", "/v1/services/preflight/checks", "/v1/services/preflight/ai-jobs", "/v1/webhooks"]) {
          expect(walked, `README's walk-through calls ${step}`).toContain(step);
        }
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 900_000);
});

/**
 * Runs one block with bash, in the shell state the page's earlier blocks
 * left (their variables and functions, kept in a file between blocks), with
 * the docs' base URL pointed at the e2e dev server. `curl` is wrapped so that
 * every answer is also recorded, including those a block captures with
 * `$(…)` or pipes into node.
 */
async function runBlock(block: Fence, scratch: string): Promise<{ code: number | null; output: string; answers: string[] }> {
  const state = path.join(scratch, ".docs-state.sh");
  const answersFile = path.join(scratch, ".docs-answers");
  const script = path.join(scratch, ".docs-block.sh");
  writeFileSync(answersFile, "");
  writeFileSync(
    script,
    [
      `__docs_baseline=" $(compgen -v | tr '\\n' ' ') "`,
      `[ -f "$DOCS_STATE" ] && source "$DOCS_STATE"`,
      `curl() {`,
      `  local __body __rc=0; __body=$(mktemp)`,
      `  command curl "$@" > "$__body" || __rc=$?`,
      `  cat "$__body"; { cat "$__body"; printf '\\n\\036\\n'; } >> "$DOCS_ANSWERS"; rm -f "$__body"`,
      `  return $__rc`,
      `}`,
      `set -eo pipefail`,
      block.code.replaceAll(DOCS_BASE, baseUrl()),
      // Reached only when every command succeeded (set -e): keep what the block defined.
      `{ for __v in $(compgen -v); do case "$__docs_baseline" in *" $__v "*) continue ;; esac`,
      `  case $__v in __*|BASH*) continue ;; esac; declare -p "$__v"; done; declare -f; } > "$DOCS_STATE"`,
    ].join("\n"),
  );
  const child = spawn("bash", [script], {
    cwd: scratch,
    env: { ...process.env, DOCS_STATE: state, DOCS_ANSWERS: answersFile },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so whatever it started in the background is stopped with it
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      output += "\n(timed out after 5 minutes)";
      resolve(null);
    }, 300_000);
    child.once("exit", (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // nothing left running
  }
  const answers = readFileSync(answersFile, "utf8")
    .split("\n\x1e\n")
    .map((answer) => answer.trim())
    // `curl -s -o file` prints nothing; `curl -i` puts the headers before the body.
    .map((answer) => (answer.startsWith("HTTP/") ? answer.split(/\r?\n\r?\n/).slice(1).join("\n\n").trim() : answer))
    .filter(Boolean);
  return { code, output: output.slice(-4000), answers };
}
