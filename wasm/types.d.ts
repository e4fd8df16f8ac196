declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}

// jSquash returns ImageData and defines it in Workers, where the DOM type is absent.
interface ImageData {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}
declare var ImageData: {
  prototype: ImageData;
  new (data: Uint8ClampedArray, width: number, height?: number): ImageData;
};
