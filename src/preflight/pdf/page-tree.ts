import { PDFArray, PDFDict, type PDFContext } from "pdf-lib";
import type { Inherited } from "./boxes";
import { MAX_PAGE_TREE_NODES } from "./budget";
import { arrayAt, arrayItems, dictAt, nameAt, numberAt } from "./objects";

export interface PageLeaf {
  dict: PDFDict;
  /** The page's own attributes, or its nearest ancestor's for the inheritable ones. */
  inherited: Inherited;
}

export interface PageTree {
  /** Leaves in document order, at most `maxPages`. */
  pages: PageLeaf[];
  /** Every leaf found, including those past `maxPages`. */
  count: number;
  /** A node was met twice (a cycle or shared kid), or the node bound was reached. */
  malformed: boolean;
}

/**
 * Walks the page tree without pdf-lib's own traversal, which follows cycles
 * forever and does not bound the number of nodes: a hostile tree stops at
 * MAX_PAGE_TREE_NODES, and a node seen twice is not entered again.
 */
export function walkPageTree(ctx: PDFContext, root: PDFDict, maxPages: number): PageTree {
  const tree: PageTree = { pages: [], count: 0, malformed: false };
  const seen = new Set<PDFDict>();
  const stack: PageLeaf[] = [{ dict: root, inherited: {} }];
  let visited = 0;
  while (stack.length > 0) {
    const { dict, inherited } = stack.pop()!;
    if (seen.has(dict) || ++visited > MAX_PAGE_TREE_NODES) {
      tree.malformed = true;
      if (visited > MAX_PAGE_TREE_NODES) break;
      continue;
    }
    seen.add(dict);
    const here: Inherited = {
      mediaBox: arrayAt(ctx, dict, "MediaBox") ?? inherited.mediaBox,
      cropBox: arrayAt(ctx, dict, "CropBox") ?? inherited.cropBox,
      resources: dictAt(ctx, dict, "Resources") ?? inherited.resources,
      rotate: numberAt(ctx, dict, "Rotate") ?? inherited.rotate,
    };
    const kids = arrayAt(ctx, dict, "Kids");
    const isNode = nameAt(ctx, dict, "Type") === "Pages" || (kids instanceof PDFArray && nameAt(ctx, dict, "Type") !== "Page");
    if (!isNode) {
      tree.count++;
      if (tree.pages.length < maxPages) tree.pages.push({ dict, inherited: here });
      continue;
    }
    // Pushed in reverse so the stack pops them in document order.
    const children = arrayItems(ctx, kids).filter((kid): kid is PDFDict => kid instanceof PDFDict);
    for (let i = children.length - 1; i >= 0; i--) stack.push({ dict: children[i]!, inherited: here });
  }
  return tree;
}
