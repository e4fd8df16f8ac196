/** @jsxImportSource hono/jsx */
import { SUBJECT_TYPES } from "../../bg-removal/schemas";
import { STICKER_BASE_TOKENS, STICKER_MAX_TOKENS } from "../../pricing/prices";
import { MAX_STICKER_LONG_SIDE_PX } from "../../stickers/schemas";
import { Compare, Errors, SourcePicker, Status, SUBJECT_LABELS } from "../components";
import { AppPage } from "../layout";

/** A number input with its label and hint; the limits are the API's (src/stickers/schemas.ts), so the browser stops what the API would refuse. */
const NumberField = (props: { id: string; label: string; value: string; min: string; max: string; step: string; hint: string }) => (
  <div class="field">
    <label for={props.id}>{props.label}</label>
    <input
      type="number"
      id={props.id}
      name={props.id}
      inputmode={props.step === "1" ? "numeric" : "decimal"}
      min={props.min}
      max={props.max}
      step={props.step}
      value={props.value}
      required
      aria-describedby={`${props.id}-hint`}
    />
    <span class="hint" id={`${props.id}-hint`}>
      {props.hint}
    </span>
  </div>
);

export const StickersPage = () => (
  <AppPage
    title="Stickers"
    page="stickers"
    lead={`Turn a logo, drawing or photo into a die-cut sticker: the artwork with a border and bleed as a print-ready PNG, its cut line as SVG, and a print PDF with the line as a CutContour spot colour. Up to ${STICKER_MAX_TOKENS} tokens are held; when the artwork's own transparency or a plain background gives the outline, only ${STICKER_BASE_TOKENS} are charged and the rest comes back. A failed job is refunded in full.`}
  >
    <section class="card" aria-labelledby="stk-form-heading">
      <h2 id="stk-form-heading">Artwork and cut</h2>
      <form id="stk-form" data-max-long-side-px={String(MAX_STICKER_LONG_SIDE_PX)}>
        <SourcePicker
          id="stk"
          legend="Artwork"
          accept="image/jpeg,image/png,image/webp"
          hint="JPEG, PNG or WebP, up to 100 MB. A PNG with a transparent background is cut along its own outline."
        />
        <div class="row">
          <NumberField id="size_inches" label="Size (inches)" value="3" min="0.5" max="24" step="any" hint="The cut line's longest side, 0.5 to 24 in." />
          <NumberField
            id="dpi"
            label="Resolution (dpi)"
            value="300"
            min="72"
            max="1200"
            step="1"
            hint={`72 to 1,200; size × dpi at most ${MAX_STICKER_LONG_SIDE_PX.toLocaleString("en-US")} pixels.`}
          />
        </div>
        <div class="row">
          <NumberField id="border_mm" label="Border (mm)" value="2" min="0" max="20" step="any" hint="Between the artwork and the cut line, 0 to 20 mm." />
          <div class="field">
            <label for="border_color">Border colour</label>
            <input type="color" id="border_color" name="border_color" value="#ffffff" aria-describedby="border_color-hint" />
            <span class="hint" id="border_color-hint">
              White unless you choose another.
            </span>
          </div>
          <NumberField id="bleed_mm" label="Bleed (mm)" value="1.5" min="0" max="10" step="any" hint="Colour printed past the cut line, 0 to 10 mm." />
          <NumberField
            id="min_radius_mm"
            label="Smallest inside curve (mm)"
            value="1"
            min="0"
            max="10"
            step="any"
            hint="The tightest inward turn the blade follows, 0 to 10 mm."
          />
        </div>
        <div class="field">
          <label for="subject_type">Subject type</label>
          <select id="subject_type" name="subject_type" aria-describedby="stk-subject-hint">
            {SUBJECT_TYPES.map((t) => (
              <option value={t}>{SUBJECT_LABELS[t]}</option>
            ))}
          </select>
          <span class="hint" id="stk-subject-hint">
            Helps background removal, which runs only when the artwork has no transparency of its own and no plain background.
          </span>
        </div>
        <div class="field">
          <label class="choice">
            <input type="checkbox" id="keep_existing_alpha" name="keep_existing_alpha" checked />
            Cut along the artwork's own transparency when it has some ({STICKER_BASE_TOKENS} tokens)
          </label>
          <label class="choice">
            <input type="checkbox" id="single_piece" name="single_piece" checked />
            One sticker around all the artwork (untick for a sheet: one cut per separate piece)
          </label>
        </div>
        <div class="actions">
          <button type="submit" class="button" id="stk-submit">
            Make sticker (up to {STICKER_MAX_TOKENS} tokens)
          </button>
        </div>
      </form>
      <Errors id="errors" />
    </section>

    <section class="card" id="stk-result" aria-labelledby="stk-result-heading" hidden>
      <h2 id="stk-result-heading">Sticker</h2>
      <Status id="stk-status" />
      <Compare id="stk" afterLabel="Sticker, with its cut line in magenta" checkerboard />
      <p class="hint">
        The checkerboard is what stays transparent. The magenta line is the cut line drawn from the SVG over the PNG at the same scale; the colour outside it
        is bleed.
      </p>
      <div class="actions">
        <a class="button" id="stk-png" download hidden>
          Download PNG
        </a>
        <a class="button secondary" id="stk-svg" download hidden>
          Download cut line (SVG)
        </a>
        <a class="button secondary" id="stk-pdf" download hidden>
          Download print PDF
        </a>
      </div>
      <dl class="meta" id="stk-meta"></dl>
    </section>
  </AppPage>
);
