/**
 * Which parts of a closing are bridges. Closing the pieces by a wide disc
 * also fills every concavity of each piece that the disc cannot enter (the
 * valleys of a star, the inside of a C); only the parts that reach from
 * one piece to another are wanted, so the rest of a piece keeps its own
 * outline. On the coarse grid: the samples the closing adds are grouped
 * into 8-connected regions, and a region is a bridge when it borders two
 * or more pieces.
 *
 * Returns a field negative inside the kept bridges (`level − erosion`, the
 * closing's depth in cells less the inset), also on every sample next to a
 * bridge so that, interpolated, its edge runs where the closing's does
 * and it meets its pieces without a gap; everywhere else it is FAR_CELLS.
 * (A sample next to a bridge is never in a dropped region: it would have
 * joined the bridge's.)
 */
export function bridgeField(erosion: Float32Array, inPiece: Int32Array, width: number, height: number, level: number): Float32Array {
  const n = width * height;
  const out = new Float32Array(n).fill(FAR_CELLS);
  const added = (i: number) => inPiece[i]! < 0 && erosion[i]! >= level;
  const seen = new Uint8Array(n);
  const stack: number[] = [];
  const members: number[] = [];
  for (let start = 0; start < n; start++) {
    if (seen[start] || !added(start)) continue;
    seen[start] = 1;
    stack.push(start);
    members.length = 0;
    const touched = new Set<number>();
    while (stack.length) {
      const i = stack.pop()!;
      members.push(i);
      const x = i % width;
      const y = (i - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if ((dx === 0 && dy === 0) || nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const j = ny * width + nx;
          if (inPiece[j]! >= 0) touched.add(inPiece[j]!);
          else if (!seen[j] && added(j)) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
    }
    if (touched.size < 2) continue;
    for (const i of members) {
      out[i] = level - erosion[i]!;
      const x = i % width;
      const y = (i - x) / width;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) out[ny * width + nx] = level - erosion[ny * width + nx]!;
      }
    }
  }
  return out;
}

/** Outside every bridge, in cells: far enough that interpolation towards it never reaches zero within a cell. */
export const FAR_CELLS = 1e6;
