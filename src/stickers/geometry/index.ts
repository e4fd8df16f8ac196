/** The cut line's geometry, as the sticker job and the file writers use it. */
export { traceCutLine, requiredPaddingPx, type ArtworkMask, type CutGeometry, type CutLineOptions } from "./trace-cut-line";
export { cutBoundsMm, cutLengthMm } from "./bezier";
