/** @jsxImportSource hono/jsx */
import type { FC } from "hono/jsx";
import type { SubjectType } from "../bg-removal/schemas";
import type { ProductType } from "../preflight/dpi";

/**
 * An image or print file given as a link or as an upload from this
 * computer. Uploads go to POST /v1/services/uploads first; the service then
 * reads its signed link like any other URL.
 */
export const SourcePicker: FC<{ id: string; legend: string; accept: string; hint: string }> = ({ id, legend, accept, hint }) => (
  <fieldset>
    <legend>{legend}</legend>
    <div class="field">
      <label for={`${id}-url`}>Link to the file</label>
      <input
        type="url"
        id={`${id}-url`}
        name="url"
        inputmode="url"
        placeholder="https://example.com/photo.jpg"
        aria-describedby={`${id}-source-hint`}
      />
    </div>
    <p class="or" aria-hidden="true">
      or
    </p>
    <div class="field">
      <label for={`${id}-file`}>Upload from this computer</label>
      <input type="file" id={`${id}-file`} name="file" accept={accept} aria-describedby={`${id}-source-hint`} />
    </div>
    <p class="hint" id={`${id}-source-hint`}>
      {hint} An uploaded file is used when both are given.
    </p>
  </fieldset>
);

/** Where errors appear; role=alert makes screen readers read them out as they arrive. */
export const Errors: FC<{ id: string }> = ({ id }) => <div id={id} role="alert"></div>;

/** Job progress, announced politely so a screen reader is not interrupted on every poll. */
export const Status: FC<{ id: string }> = ({ id }) => <div id={id} class="status" role="status" aria-live="polite"></div>;

export const Compare: FC<{ id: string; afterLabel: string; checkerboard?: boolean }> = ({ id, afterLabel, checkerboard }) => (
  <div class="compare">
    <figure>
      <figcaption id={`${id}-before-caption`}>Before</figcaption>
      <div class="frame" id={`${id}-before`}></div>
    </figure>
    <figure>
      <figcaption id={`${id}-after-caption`}>{afterLabel}</figcaption>
      <div class={checkerboard ? "frame checkerboard" : "frame"} id={`${id}-after`}></div>
    </figure>
  </div>
);

export const PRODUCT_TYPE_LABELS = {
  photo_on_canvas: "Photo on canvas",
  poster: "Poster",
  wallpaper: "Wallpaper",
  framed_print: "Framed print",
  wrapping_paper: "Wrapping paper",
  stock_canvas: "Stock canvas",
} as const satisfies Record<ProductType, string>;

/** Background removal's and stickers' subject types, as the forms name them. */
export const SUBJECT_LABELS = {
  auto: "Automatic",
  person: "Person",
  product: "Product (crisp edge)",
  logo: "Logo",
  text: "Text",
  hair_heavy: "Hair or fur",
} as const satisfies Record<SubjectType, string>;
