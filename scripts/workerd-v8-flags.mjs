#!/usr/bin/env node
// Adds V8 flags to a binary workerd config: reads the Cap'n Proto message
// Miniflare writes to workerd's stdin, writes it to stdout with
// `Config.v8Flags` set. scripts/workerd-with-v8-flags.sh runs it in front
// of workerd; see there for why.
//
//   node scripts/workerd-v8-flags.mjs --single-threaded-gc < config.bin > patched.bin
//
// The wrangler in use (4.86, Miniflare 4) never sets v8Flags and has no
// option for it, so the message is amended in place: the list goes into a
// segment of its own, and the (null) v8Flags pointer of the root struct
// becomes a far pointer to it. Everything else stays byte for byte. A
// config that already has v8Flags is passed through untouched.
import { readFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

/** The V8 flags the local workerd gets on Linux; PRINTCART_WORKERD_V8_FLAGS="" turns them off (to measure without). */
export const DEFAULT_WORKERD_V8_FLAGS = "--single-threaded-gc";

/**
 * The environment for a `wrangler` process whose local workerd should run
 * with the V8 flags (scripts/workerd-with-v8-flags.sh says why): Miniflare
 * starts the wrapper instead of workerd, and the wrapper execs the real
 * binary (MINIFLARE_WORKERD_PATH if one was set, else the one Miniflare
 * would use). Linux only, the platform where the flag is missing; macOS
 * workerd already sets it, and the wrapper needs bash.
 */
export function withWorkerdV8Flags(env) {
  const flags = (env.PRINTCART_WORKERD_V8_FLAGS ?? DEFAULT_WORKERD_V8_FLAGS).trim();
  if (process.platform !== "linux" || !flags) return env;
  const fromMiniflare = createRequire(createRequire(path.join(root, "node_modules", "wrangler", "package.json")).resolve("miniflare"));
  const wrapper = path.join(root, "scripts", "workerd-with-v8-flags.sh");
  // A wrapper already in place (this env passed through twice) keeps its real binary.
  const real = env.MINIFLARE_WORKERD_PATH && env.MINIFLARE_WORKERD_PATH !== wrapper ? env.MINIFLARE_WORKERD_PATH : (env.PRINTCART_WORKERD ?? fromMiniflare("workerd").default);
  return { ...env, MINIFLARE_WORKERD_PATH: wrapper, PRINTCART_WORKERD: real, PRINTCART_NODE: process.execPath, PRINTCART_WORKERD_V8_FLAGS: flags };
}

/** workerd.capnp: `Config` pointer fields in order: services @0, sockets @1, v8Flags @2. */
const V8_FLAGS_POINTER = 2;

export function addV8Flags(input, flags) {
  const bytes = new Uint8Array(input);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segmentCount = view.getUint32(0, true) + 1;
  const headerBytes = (4 * (1 + segmentCount) + 7) & ~7;
  const sizes = [];
  for (let i = 0; i < segmentCount; i++) sizes.push(view.getUint32(4 + 4 * i, true));
  const starts = [];
  let offset = headerBytes;
  for (const words of sizes) {
    starts.push(offset);
    offset += words * 8;
  }
  if (offset !== bytes.byteLength) throw new Error(`not one unpacked capnp message (${bytes.byteLength} bytes, segments end at ${offset})`);

  const word = (segment, index) => view.getBigUint64(starts[segment] + index * 8, true);
  // The root struct: segment 0, word 0 is its pointer, direct or through one single-far landing pad.
  let segment = 0;
  let at = 0;
  let pointer = word(0, 0);
  if ((pointer & 3n) === 2n) {
    if (pointer & 4n) throw new Error("double-far root pointer not handled");
    segment = Number(pointer >> 32n);
    at = Number((pointer >> 3n) & 0x1fffffffn);
    pointer = word(segment, at);
  }
  if ((pointer & 3n) !== 0n) throw new Error("root is not a struct");
  const structOffset = BigInt.asIntN(30, (pointer >> 2n) & 0x3fffffffn);
  const dataWords = Number((pointer >> 32n) & 0xffffn);
  const pointerWords = Number(pointer >> 48n);
  if (pointerWords <= V8_FLAGS_POINTER) throw new Error(`root struct has ${pointerWords} pointers; v8Flags is #${V8_FLAGS_POINTER}`);
  const slot = at + 1 + Number(structOffset) + dataWords + V8_FLAGS_POINTER;
  if (word(segment, slot) !== 0n) return bytes; // flags already set by Miniflare: leave them

  // The new segment: a landing pad (list of n pointers), the n text pointers, then the texts (NUL-terminated, word-aligned).
  const texts = flags.map((flag) => new TextEncoder().encode(flag));
  const textWords = texts.map((t) => Math.ceil((t.length + 1) / 8));
  const newWords = 1 + texts.length + textWords.reduce((a, b) => a + b, 0);
  const fresh = new DataView(new ArrayBuffer(newWords * 8));
  const listPointer = (pointerAt, targetAt, elementSize, count) =>
    BigInt(((targetAt - pointerAt - 1) << 2) | 1) | (BigInt(elementSize) << 32n) | (BigInt(count) << 35n);
  fresh.setBigUint64(0, listPointer(0, 1, 6, texts.length), true);
  let textAt = 1 + texts.length;
  texts.forEach((text, i) => {
    fresh.setBigUint64((1 + i) * 8, listPointer(1 + i, textAt, 2, text.length + 1), true);
    new Uint8Array(fresh.buffer, textAt * 8, text.length).set(text);
    textAt += textWords[i];
  });

  const newSegment = segmentCount;
  const newHeaderBytes = (4 * (2 + segmentCount) + 7) & ~7;
  const out = new Uint8Array(newHeaderBytes + (bytes.byteLength - headerBytes) + newWords * 8);
  const outView = new DataView(out.buffer);
  outView.setUint32(0, segmentCount, true); // count - 1 of the new total
  sizes.forEach((words, i) => outView.setUint32(4 + 4 * i, words, true));
  outView.setUint32(4 + 4 * segmentCount, newWords, true);
  out.set(bytes.subarray(headerBytes), newHeaderBytes);
  out.set(new Uint8Array(fresh.buffer), newHeaderBytes + (bytes.byteLength - headerBytes));
  // Far pointer (tag 2, single landing pad at word 0 of the new segment) in the v8Flags slot.
  outView.setBigUint64(newHeaderBytes + (starts[segment] - headerBytes) + slot * 8, 2n | (BigInt(newSegment) << 32n), true);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const flags = process.argv.slice(2);
  const out = flags.length ? addV8Flags(readFileSync(0), flags) : readFileSync(0);
  for (let written = 0; written < out.byteLength; ) written += writeSync(1, out, written);
}
