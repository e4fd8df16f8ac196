import { AreaDownsampler, fitWithin } from "../imaging/downsample";
import type { RowBand } from "../imaging/raster-stream";
import { AlphaUpsampler, clamp255, type Rgba } from "./matte";

/**
 * Graphics laid over a photograph (`logo`, `text`): the cut follows the
 * graphic's own colour regions, with the model's mask only as a prior.
 *
 * A segmentation model finds the photograph's salient object (the cup under
 * the slogan, the person behind the lettering) and treats overlaid lettering
 * as one more part of the scene: it cuts half a logo away, keeps the saucer
 * and fills the inside of letters. What sets a printed graphic apart is its
 * fills: regions of one colour, constant up to compression noise, with
 * stepped edges. Regions are grown from uniform seeds over the pixels near
 * the seed's colour; a fill's region is one colour (small spread) ending in
 * a step, while a photograph's smooth area drifts (shading, gradients): its
 * region either spreads in colour or ends where the drift passed the
 * tolerance, barely a step. The thresholds below were chosen on composites
 * drawn for the purpose (lettering and logos over skimage photographs, JPEG
 * q92), where fills spread by a standard deviation of at most 3.5 per
 * channel and photo regions of their size by 4.6 or more, and then checked
 * on the evaluation set (test/fixtures/bg/eval; docs/background-removal.md).
 *
 * So the graphic is the union of such fill regions in the graphic's own
 * colours, with their outlines; counters (the inside of an "o") show the
 * photograph and are left out (dropCountersSeenThrough). The model's mask
 * decides only what colour alone cannot: a fill region that touches the
 * image's border (a flat wall or sky behind everything, or the graphic
 * itself cropped tight) is kept only where the model marks it mostly
 * foreground, and one far from the rest of the graphic likewise (a flat
 * patch elsewhere in the photograph). A fill region the model marks mostly
 * foreground is kept, unless the graphic encloses it (the model fills
 * letters' holes) or, for lettering, it lies away from the lettering's box.
 * Anti-aliased edge pixels between a fill and
 * the photograph get the alpha that mixes the fill's colour with the
 * photograph's next to them. When no graphic is found this way (gradient
 * fills, a photographic logo) the caller falls back to the model.
 */

/** A seed: a pixel whose four neighbours all lie within this of its colour (largest channel difference). */
const SEED_SPREAD = 6;
/** A region grows over pixels within this of its seed's colour: a fill's compression noise, not a photo's drift. */
const GROW = 12;
/** A boundary is a step where the colour one or two pixels out differs from the seed's by more than this. */
const STEP = 36;
/** A fill's boundary is mostly steps; a smooth photo area's boundary is where its drift passed GROW, barely a step. */
const FILL_MIN_STEP_SHARE = 0.6;
/** A fill is one colour up to compression noise: the largest per-channel standard deviation of its pixels. */
const FILL_MAX_STD = 4.5;
/** A fill region is at least this many pixels (and this share of the image), so photo noise makes none. */
const FILL_MIN_PIXELS = 16;
const FILL_MIN_SHARE = 2e-5;
/** Fill regions this much smaller than the largest do not define where the graphic is. */
const CORE_SHARE = 0.05;
/** How far past the core's box (as a share of its size) a fill still counts as part of the graphic without the model's support. */
const CORE_MARGIN = 0.15;
/** A fill whose seed colour lies within this of a core fill's has the graphic's colour. */
const PALETTE_SPREAD = 24;
/** An outline's boundary lies against the graphic for at least this share and at most that (beyond it: a counter). */
const OUTLINE_MIN_CONTACT = 0.1;
const OUTLINE_MAX_CONTACT = 0.85;
/** The anti-aliased rim closed before the photograph around the graphic is found, and how far around it is sampled. */
const RIM = 2;
const AROUND = 4;
/** A colour is the photograph's when this share of the pixels right around the graphic has it. */
const SEEN_AROUND_SHARE = 0.05;
/** A region lies inside another when this share of its boundary lies against the graphic. */
const INSIDE_MIN_CONTACT = 0.75;
/** Guides larger than this are analysed scaled down to it: at 2048 px the regions would hold about 100 MB. */
const GRAPHIC_MAX_PIXELS = 1_500_000;
/**
 * A pixel in the graphic's colours that no fill took is kept where the model's alpha reaches RESCUE_PRIOR,
 * when the model's mask (alpha ≥ 128) and the fills agree to this IoU. On the evaluation set's tuning
 * images the model at 1024 px agrees 0.78–0.87 where lettering runs into the photograph and 0.30–0.47 over
 * busy photographs, where its mask is a blob; at 384 px, 0.26–0.82.
 */
const RESCUE_PRIOR = 192;
const RESCUE_MIN_AGREEMENT = 0.75;
/** Less graphic than this share of the image and the answer is not trusted. */
const MIN_GRAPHIC_SHARE = 0.005;

function difference(data: ArrayLike<number>, i: number, colour: readonly number[]): number {
  return Math.max(Math.abs(data[i]! - colour[0]!), Math.abs(data[i + 1]! - colour[1]!), Math.abs(data[i + 2]! - colour[2]!));
}

/** The largest per-channel variance of a region's colours. */
function spread(region: Region): number {
  let most = 0;
  for (let c = 0; c < 3; c++) most = Math.max(most, region.squares[c]! / region.pixels - (region.sum[c]! / region.pixels) ** 2);
  return most;
}

interface Region {
  pixels: number;
  colour: number[];
  /** Sums of each channel and of its squares, for the spread of the region's colours. */
  sum: number[];
  squares: number[];
  prior: number;
  border: number;
  steps: number;
  edges: number;
  /** What lies past each boundary sample (up to three pixels out): a region's number, or -1 for pixels in none. */
  beyond: Map<number, number>;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The graphic's alpha at the image's size, or null when the image shows no
 * graphic made of fills. `prior` is the model's alpha at the same size.
 */
export function graphicMatte(image: Rgba, prior: Uint8Array, options: { lettering?: boolean } = {}): Uint8Array | null {
  if (image.width * image.height <= GRAPHIC_MAX_PIXELS) return graphicMatteAt(image, prior, options);
  // A large guide is analysed at a smaller size (the regions' memory grows with the pixels), its alpha scaled back up.
  const size = fitWithin(image.width, image.height, Math.floor(Math.sqrt(GRAPHIC_MAX_PIXELS * (Math.max(image.width, image.height) / Math.min(image.width, image.height)))));
  const small = new AreaDownsampler(image.width, image.height, size.width, size.height);
  const band: RowBand = { y: 0, width: image.width, height: image.height, rows: image.data as Uint8ClampedArray };
  small.push(band);
  const alpha = graphicMatteAt({ data: small.data, width: size.width, height: size.height }, areaMean(prior, image.width, image.height, size.width, size.height), options);
  if (!alpha) return null;
  const full = new Uint8Array(image.width * image.height);
  new AlphaUpsampler(alpha, size.width, size.height, image.width, image.height).rows(0, image.height, full);
  return full;
}

/** A plane's area mean at a smaller size (every pixel falls into one cell, as AreaDownsampler does). */
function areaMean(plane: Uint8Array, width: number, height: number, toWidth: number, toHeight: number): Uint8Array {
  const sums = new Float64Array(toWidth * toHeight);
  const counts = new Float64Array(toWidth * toHeight);
  for (let y = 0; y < height; y++) {
    const row = Math.min(toHeight - 1, Math.floor((y * toHeight) / height)) * toWidth;
    for (let x = 0; x < width; x++) {
      const cell = row + Math.min(toWidth - 1, Math.floor((x * toWidth) / width));
      sums[cell]! += plane[y * width + x]!;
      counts[cell]!++;
    }
  }
  const out = new Uint8Array(toWidth * toHeight);
  for (let c = 0; c < out.length; c++) out[c] = Math.round(sums[c]! / counts[c]!);
  return out;
}

function graphicMatteAt(image: Rgba, prior: Uint8Array, options: { lettering?: boolean }): Uint8Array | null {
  const { width, height, data } = image;
  const n = width * height;
  const label = new Int32Array(n).fill(-1);
  const regions: Region[] = [];
  const queue = new Int32Array(n);
  const minPixels = Math.max(FILL_MIN_PIXELS, Math.round(n * FILL_MIN_SHARE));
  // A region's boundary samples (pixel and code), kept only for regions that can be fills: a photograph
  // makes hundreds of thousands of small regions, whose samples would otherwise cost tens of MB.
  let pending = new Int32Array(4096);
  const seed = [0, 0, 0];
  const offsets = [1, -1, width, -width];
  const inside = (k: number, d: number) => (d === 1 ? k % width < width - 1 : d === -1 ? k % width > 0 : d === width ? k + width < n : k >= width);
  for (let start = 0; start < n; start++) {
    if (label[start]! >= 0) continue;
    seed[0] = data[start * 4]!;
    seed[1] = data[start * 4 + 1]!;
    seed[2] = data[start * 4 + 2]!;
    let uniform = true;
    for (const d of offsets) if (inside(start, d) && difference(data, (start + d) * 4, seed) > SEED_SPREAD) uniform = false;
    if (!uniform) continue;
    // Grow the region over pixels near the seed's colour; note at each rejected neighbour whether the boundary there is a step.
    const r = regions.length;
    const region: Region = { pixels: 0, colour: [seed[0]!, seed[1]!, seed[2]!], sum: [0, 0, 0], squares: [0, 0, 0], prior: 0, border: 0, steps: 0, edges: 0, beyond: new Map(), x0: width, y0: height, x1: -1, y1: -1 };
    regions.push(region);
    label[start] = r;
    let head = 0;
    let tail = 0;
    let samples = 0;
    queue[tail++] = start;
    while (head < tail) {
      const k = queue[head++]!;
      const x = k % width;
      const y = (k - x) / width;
      region.pixels++;
      region.prior += prior[k]!;
      for (let c = 0; c < 3; c++) {
        const v = data[k * 4 + c]!;
        region.sum[c]! += v;
        region.squares[c]! += v * v;
      }
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) region.border++;
      if (x < region.x0) region.x0 = x;
      if (x > region.x1) region.x1 = x;
      if (y < region.y0) region.y0 = y;
      if (y > region.y1) region.y1 = y;
      for (const d of offsets) {
        if (!inside(k, d)) continue;
        const j = k + d;
        if (label[j] === r) continue;
        const near = difference(data, j * 4, seed);
        if (label[j]! < 0 && near <= GROW) {
          label[j] = r;
          queue[tail++] = j;
          continue;
        }
        const beyond = inside(j, d) ? difference(data, (j + d) * 4, seed) : near;
        if (samples + 2 > pending.length) {
          const grown = new Int32Array(pending.length * 2);
          grown.set(pending);
          pending = grown;
        }
        // The pixel, and the direction's index plus 4 when the boundary there is a step.
        pending[samples++] = j;
        pending[samples++] = offsets.indexOf(d) + (Math.max(near, beyond) > STEP ? 4 : 0);
      }
    }
    if (region.pixels >= minPixels && spread(region) <= FILL_MAX_STD * FILL_MAX_STD) {
      for (let i = 0; i < samples; i += 2) region.beyond.set(pending[i]!, pending[i + 1]!);
    }
  }

  // Resolve what lies past each boundary sample now that every region is known: the first labelled pixel within three steps out.
  for (const [r, region] of regions.entries()) {
    if (!region.beyond.size) continue;
    const tally = new Map<number, number>();
    for (const [j, sample] of region.beyond) {
      const d = offsets[sample & 3]!;
      // Against a region of nearly its own colour the boundary is inside one fill that compression noise split: not an edge.
      if (label[j]! >= 0 && label[j] !== r && difference(regions[label[j]!]!.colour, 0, region.colour) <= GROW) continue;
      region.edges++;
      if (sample & 4) region.steps++;
      let other = -1;
      for (let step = 0, at = j; step < 3; step++, at += d) {
        if (label[at]! >= 0 && label[at] !== r) {
          other = label[at]!;
          break;
        }
        if (!inside(at, d)) break;
      }
      tally.set(other, (tally.get(other) ?? 0) + 1);
    }
    region.beyond = tally;
  }

  const isFill = regions.map(
    (region) => region.pixels >= minPixels && region.steps >= region.edges * FILL_MIN_STEP_SHARE && spread(region) <= FILL_MAX_STD * FILL_MAX_STD,
  );
  const backed = (region: Region) => region.prior / region.pixels >= 128;

  // The core: the fills that do not touch the border and are not tiny beside the largest; where the graphic is.
  let largest = 0;
  regions.forEach((region, r) => {
    if (isFill[r] && !region.border && region.pixels > largest) largest = region.pixels;
  });
  if (largest === 0) return null;
  let [cx0, cy0, cx1, cy1] = [width, height, -1, -1];
  regions.forEach((region, r) => {
    if (!isFill[r] || region.border || region.pixels < largest * CORE_SHARE) return;
    cx0 = Math.min(cx0, region.x0);
    cy0 = Math.min(cy0, region.y0);
    cx1 = Math.max(cx1, region.x1);
    cy1 = Math.max(cy1, region.y1);
  });
  const mx = (cx1 - cx0 + 1) * CORE_MARGIN;
  const my = (cy1 - cy0 + 1) * CORE_MARGIN;
  const inCoreBox = (region: Region) => region.x0 >= cx0 - mx && region.x1 <= cx1 + mx && region.y0 >= cy0 - my && region.y1 <= cy1 + my;
  // The graphic's palette: the colours its fills inside the core's box cover, counted over all the fills of
  // each colour (lettering is many small regions of one colour). A fill of a colour that covers little is
  // the photograph showing through (a letter's counter, a flat patch behind the lettering), or an outline.
  const groups: { colour: number[]; pixels: number }[] = [];
  for (const region of regions.filter((g, r) => isFill[r] && !g.border && inCoreBox(g)).sort((a, b) => b.pixels - a.pixels)) {
    const group = groups.find((g) => difference(g.colour, 0, region.colour) <= PALETTE_SPREAD);
    if (group) group.pixels += region.pixels;
    else groups.push({ colour: region.colour, pixels: region.pixels });
  }
  const palette = groups.filter((group) => group.pixels >= largest * CORE_SHARE).map((group) => group.colour);
  const hasPaletteColour = (pixels: ArrayLike<number>, i: number) => palette.some((colour) => difference(pixels, i, colour) <= PALETTE_SPREAD);
  const inPalette = (region: Region) => hasPaletteColour(region.colour, 0);
  const inGraphic = regions.map((region, r) => isFill[r]! && !region.border && inPalette(region) && inCoreBox(region));
  // A graphic's own colours may reach past the core's margin (a logo's name set under its mark, each letter
  // too small to be core): fills of the palette that reach into the margin join, and the box grows with
  // them until none is left. The margin stays the core's, so the chain needs fills a margin apart.
  const reaches = (x0: number, y0: number, x1: number, y1: number) => x1 >= cx0 - mx && x0 <= cx1 + mx && y1 >= cy0 - my && y0 <= cy1 + my;
  const reachesCoreBox = (region: Region) => reaches(region.x0, region.y0, region.x1, region.y1);
  for (let grew = true; grew; ) {
    grew = false;
    regions.forEach((region, r) => {
      if (inGraphic[r] || !isFill[r] || region.border || !inPalette(region) || !reachesCoreBox(region)) return;
      inGraphic[r] = true;
      grew = true;
      [cx0, cy0, cx1, cy1] = [Math.min(cx0, region.x0), Math.min(cy0, region.y0), Math.max(cx1, region.x1), Math.max(cy1, region.y1)];
    });
  }
  /** The share of a region's boundary that lies against the graphic. */
  const contact = (region: Region) => {
    let against = 0;
    let total = 0;
    for (const [other, count] of region.beyond) {
      total += count;
      if (other >= 0 && inGraphic[other]) against += count;
    }
    return total ? against / total : 0;
  };
  // A fill of another colour is an outline when it lies partly against the graphic and partly against the
  // photograph; enclosed by the graphic it is a counter showing the photograph, away from it a patch of the photograph.
  const enclosed = regions.map((region, r) => isFill[r]! && !inGraphic[r] && contact(region) > OUTLINE_MAX_CONTACT);
  regions.forEach((region, r) => {
    if (inGraphic[r] || !isFill[r] || region.border || !inCoreBox(region)) return;
    if (contact(region) >= OUTLINE_MIN_CONTACT && !enclosed[r]) inGraphic[r] = true;
  });
  // What the model marks mostly foreground stays, except a counter: the model fills letters' holes, colour does not.
  regions.forEach((region, r) => {
    if (isFill[r] && !inGraphic[r] && !enclosed[r] && backed(region) && (!options.lettering || inCoreBox(region))) inGraphic[r] = true;
  });

  const beforeCounters = inGraphic.slice();
  dropCountersSeenThrough(image, label, regions, inGraphic, queue);

  // A pixel no fill took stays when the model marks it firmly and it has one of the graphic's colours, inside
  // the graphic's box: where a letter runs into a photograph area of nearly its colour, its region leaks into
  // the photograph and fails as a fill. Never inside a counter (enclosed, or dropped as the photograph seen through).
  const counter = regions.map((_, r) => enclosed[r]! || (beforeCounters[r]! && !inGraphic[r]));
  // Only a model whose mask already agrees with the fills is trusted pixel by pixel: a coarse mask (a blob
  // around lettering over a busy photograph) would bring back the photograph's pixels of the graphic's colours.
  let both = 0;
  let either = 0;
  for (let k = 0; k < n; k++) {
    const inked = label[k]! >= 0 && inGraphic[label[k]!]!;
    const marked = prior[k]! >= 128;
    if (inked && marked) both++;
    if (inked || marked) either++;
  }
  const rescue = either > 0 && both / either >= RESCUE_MIN_AGREEMENT;
  const alpha = new Uint8Array(n);
  let inked = 0;
  for (let k = 0; k < n; k++) {
    const r = label[k]!;
    if (r >= 0 && inGraphic[r]) {
      alpha[k] = 255;
      inked++;
      continue;
    }
    if (!rescue || prior[k]! < RESCUE_PRIOR || (r >= 0 && counter[r])) continue;
    const x = k % width;
    const y = (k - x) / width;
    if (!reaches(x, y, x, y) || !hasPaletteColour(data, k * 4)) continue;
    alpha[k] = 255;
    inked++;
  }
  if (inked < n * MIN_GRAPHIC_SHARE) return null;
  unmixEdges(image, alpha);
  return alpha;
}

/**
 * Counters: a region of the graphic that the photograph outside never comes
 * near (it lies inside the rest of the graphic), holds nothing inside itself, and has a colour the
 * photograph shows right around the graphic is that photograph seen through
 * a hole (the sky inside every "O" of a slogan over the sky), however many
 * letters repeat it. Colour rules alone keep it: it is one flat colour, and
 * repeated. A fill of the graphic's own inside another (white lettering on a
 * badge, the body of an outlined letter) has a colour the photograph around
 * does not show, or holds another part inside it (the ring of an "o").
 */
function dropCountersSeenThrough(image: Rgba, label: Int32Array, regions: Region[], inGraphic: boolean[], queue: Int32Array): void {
  const { width, height, data } = image;
  const n = width * height;
  // The graphic grown by its anti-aliased rim, and the photograph around it: what the border reaches outside it.
  const grown = new Uint8Array(n);
  for (let k = 0; k < n; k++) if (label[k]! >= 0 && inGraphic[label[k]!]) grown[k] = 1;
  dilate(grown, width, height, RIM);
  const outside = new Uint8Array(n);
  let tail = 0;
  for (let x = 0; x < width; x++) for (const k of [x, (height - 1) * width + x]) if (!grown[k] && !outside[k]) ((outside[k] = 1), (queue[tail++] = k));
  for (let y = 0; y < height; y++) for (const k of [y * width, y * width + width - 1]) if (!grown[k] && !outside[k]) ((outside[k] = 1), (queue[tail++] = k));
  for (let head = 0; head < tail; head++) {
    const k = queue[head]!;
    const x = k % width;
    for (const j of [x > 0 ? k - 1 : -1, x < width - 1 ? k + 1 : -1, k - width, k + width]) {
      if (j < 0 || j >= n || grown[j] || outside[j]) continue;
      outside[j] = 1;
      queue[tail++] = j;
    }
  }
  // The photograph right around the graphic: outside pixels within a few pixels of it.
  const near = grown.slice();
  dilate(near, width, height, AROUND);
  const around: number[] = [];
  for (let k = 0; k < n; k++) if (outside[k] && near[k]) around.push(k);
  if (!around.length) return;
  const seen = (colour: number[]) => {
    let match = 0;
    for (const k of around) if (difference(data, k * 4, colour) <= PALETTE_SPREAD) match++;
    return match >= around.length * SEEN_AROUND_SHARE;
  };
  // Which graphic region lies inside which: the one its boundary lies against most, when it lies against the graphic nearly all round.
  const encloserOf = (region: Region, r: number) => {
    let total = 0;
    let against = 0;
    let best = -1;
    let most = 0;
    for (const [other, count] of region.beyond) {
      total += count;
      if (other < 0 || other === r || !inGraphic[other]) continue;
      against += count;
      if (count > most) [best, most] = [other, count];
    }
    return total && against >= total * INSIDE_MIN_CONTACT ? best : -1;
  };
  const encloser = regions.map((region, r) => (inGraphic[r] ? encloserOf(region, r) : -1));
  const holds = new Uint8Array(regions.length);
  for (const e of encloser) if (e >= 0) holds[e] = 1;
  // A region reaches the photograph outside when the outside comes within its rim of it; a counter's pieces never do.
  const reach = outside.slice();
  dilate(reach, width, height, RIM + 1);
  const reaches = new Uint8Array(regions.length);
  for (let k = 0; k < n; k++) if (reach[k] && label[k]! >= 0) reaches[label[k]!] = 1;
  regions.forEach((region, r) => {
    if (inGraphic[r] && !reaches[r] && !holds[r] && seen(region.colour)) inGraphic[r] = false;
  });
}

/** Grows a 0/1 mask by `radius` pixels (a square), in place. */
function dilate(mask: Uint8Array, width: number, height: number, radius: number): void {
  const row = new Uint8Array(width);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) row[x] = mask[o + x]!;
    for (let x = 0; x < width; x++) {
      if (mask[o + x]) continue;
      for (let d = Math.max(0, x - radius); d <= Math.min(width - 1, x + radius); d++) if (row[d]) ((mask[o + x] = 1), (d = width));
    }
  }
  const column = new Uint8Array(height);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) column[y] = mask[y * width + x]!;
    for (let y = 0; y < height; y++) {
      if (mask[y * width + x]) continue;
      for (let d = Math.max(0, y - radius); d <= Math.min(height - 1, y + radius); d++) if (column[d]) ((mask[y * width + x] = 1), (d = height));
    }
  }
}

/**
 * The one-pixel ring around the graphic: each ring pixel's colour C is a mix
 * of the fill next to it (F, the mean of its graphic neighbours) and the
 * photograph beyond it (B, the mean of its neighbours outside the ring);
 * alpha is C's position between them, projected onto B→F. A ring pixel with
 * nothing outside it (between two fills) is graphic.
 */
function unmixEdges(image: Rgba, alpha: Uint8Array): void {
  const { width, height, data } = image;
  const ring: number[] = [];
  const isRing = new Uint8Array(width * height);
  const each = (k: number, visit: (j: number) => void) => {
    const x = k % width;
    const y = (k - x) / width;
    for (let dy = -1; dy <= 1; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= height) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if ((dx || dy) && xx >= 0 && xx < width) visit(yy * width + xx);
      }
    }
  };
  for (let k = 0; k < alpha.length; k++) {
    if (alpha[k]) continue;
    let touches = false;
    each(k, (j) => {
      if (alpha[j] === 255) touches = true;
    });
    if (touches) {
      ring.push(k);
      isRing[k] = 1;
    }
  }
  const values = new Uint8Array(ring.length);
  ring.forEach((k, r) => {
    const f = [0, 0, 0];
    const b = [0, 0, 0];
    let nf = 0;
    let nb = 0;
    each(k, (j) => {
      const into = alpha[j] === 255 ? f : !isRing[j] ? b : null;
      if (!into) return;
      for (let c = 0; c < 3; c++) into[c]! += data[j * 4 + c]!;
      if (into === f) nf++;
      else nb++;
    });
    if (!nb) {
      values[r] = 255;
      return;
    }
    let along = 0;
    let length = 0;
    for (let c = 0; c < 3; c++) {
      const fc = f[c]! / nf;
      const bc = b[c]! / nb;
      along += (data[k * 4 + c]! - bc) * (fc - bc);
      length += (fc - bc) * (fc - bc);
    }
    values[r] = length < 1 ? 255 : clamp255((along / length) * 255);
  });
  ring.forEach((k, r) => (alpha[k] = values[r]!));
}
