import decodeJpegWasm, { init as initJpegDecode } from "@jsquash/jpeg/decode.js";
import encodeJpegWasm, { init as initJpegEncode } from "@jsquash/jpeg/encode.js";
import decodePngWasm, { init as initPngDecode } from "@jsquash/png/decode.js";
import encodePngWasm, { init as initPngEncode } from "@jsquash/png/encode.js";
import decodeWebpWasm, { init as initWebpDecode } from "@jsquash/webp/decode.js";
import { JPEG_DECODE_WASM, JPEG_ENCODE_WASM, PNG_WASM, WEBP_DECODE_WASM } from "../../wasm/modules";

/**
 * jSquash codecs, each initialised once per isolate from its precompiled
 * module and only when first used (an isolate that only encodes PNG never
 * instantiates the JPEG decoder and its memory). Module scope holds only
 * these immutable init promises.
 */
let jpegDecodeReady: Promise<unknown> | undefined;
let jpegEncodeReady: Promise<unknown> | undefined;
let pngDecodeReady: Promise<unknown> | undefined;
let pngEncodeReady: Promise<unknown> | undefined;
let webpDecodeReady: Promise<unknown> | undefined;

export type RasterType = "jpeg" | "png" | "webp";

export async function decodeImage(bytes: Uint8Array, type: RasterType): Promise<ImageData> {
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
  switch (type) {
    case "jpeg":
      await (jpegDecodeReady ??= initJpegDecode(JPEG_DECODE_WASM));
      // Applies the EXIF orientation, so the pixels come out upright.
      return decodeJpegWasm(buffer, { preserveOrientation: true });
    case "png":
      await (pngDecodeReady ??= initPngDecode(PNG_WASM));
      return decodePngWasm(buffer);
    case "webp":
      await (webpDecodeReady ??= initWebpDecode(WEBP_DECODE_WASM));
      return decodeWebpWasm(buffer);
  }
}

export async function encodePng(image: ImageData): Promise<Uint8Array> {
  await (pngEncodeReady ??= initPngEncode(PNG_WASM));
  return new Uint8Array(await encodePngWasm(image));
}

export async function encodeJpeg(image: ImageData, quality = 92): Promise<Uint8Array> {
  await (jpegEncodeReady ??= initJpegEncode(JPEG_ENCODE_WASM));
  return new Uint8Array(await encodeJpegWasm(image, { quality }));
}
