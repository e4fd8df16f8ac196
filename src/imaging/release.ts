/**
 * Frees a large buffer now rather than at some later collection. An isolate
 * has 128 MB, and big arrays (model files, tensors, decoded frames, encoder
 * output) would otherwise linger as garbage beside the next ones: V8 only
 * collects ArrayBuffers when its heuristics say so, often tens of MB later.
 * Transferring to length 0 detaches the buffer and drops its backing store
 * at once.
 *
 * Only for plain buffers this code allocated and nothing else still reads
 * (a view onto a released buffer reads as empty); never for wasm memory.
 */
export function release(view: ArrayBufferView | null | undefined): void {
  const buffer = view?.buffer as (ArrayBuffer & { detached?: boolean; transfer?: (length: number) => ArrayBuffer }) | undefined;
  if (!buffer || !(buffer instanceof ArrayBuffer) || buffer.detached || !buffer.transfer) return;
  buffer.transfer(0);
}
