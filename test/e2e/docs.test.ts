import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ISSUE_CODES } from "../../src/preflight/issues";
import { FIX_TYPE_TOKENS } from "../../src/pricing/prices";

const readme = readFileSync(path.join(import.meta.dirname, "..", "..", "README.md"), "utf8");

describe("README", () => {
  it("documents every preflight issue code with its severity, meaning and fix", () => {
    for (const [code, entry] of Object.entries(ISSUE_CODES)) {
      expect(readme, code).toContain(`| \`${code}\` | ${entry.defaultSeverity} | ${entry.meaning} | ${entry.fix} |`);
    }
  });

  it("states every fix type's token price as the pricing table has it", () => {
    for (const [fixType, tokens] of Object.entries(FIX_TYPE_TOKENS)) {
      expect(readme, fixType).toContain(`| \`${fixType}\` | ${tokens} |`);
    }
  });
});
