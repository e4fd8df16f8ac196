/** @jsxImportSource hono/jsx */
import { PRODUCT_TYPES } from "../../preflight/dpi";
import { MAX_BLEED_MM, MAX_CANVAS_INCHES, MAX_PIXELS_PER_SIDE, MAX_REQUIRED_DPI } from "../../preflight/schemas";
import { Errors, PRODUCT_TYPE_LABELS, SourcePicker, Status } from "../components";
import { AppPage } from "../layout";

const ProductOptions = ({ blank }: { blank?: string }) => (
  <>
    {blank ? <option value="">{blank}</option> : null}
    {PRODUCT_TYPES.map((t) => (
      <option value={t}>{PRODUCT_TYPE_LABELS[t]}</option>
    ))}
  </>
);

const NumberField = (props: { id: string; label: string; value?: string; min: string; max: number; step: string; required?: boolean }) => (
  <div class="field">
    <label for={props.id}>{props.label}</label>
    <input
      type="number"
      id={props.id}
      name={props.id}
      inputmode={props.step === "1" ? "numeric" : "decimal"}
      min={props.min}
      max={String(props.max)}
      step={props.step}
      value={props.value}
      required={props.required}
    />
  </div>
);

export const PreflightPage = () => (
  <AppPage title="Preflight AI" page="preflight" lead="Check a print file before it goes to production, and let the service fix what it can.">
    <Errors id="errors" />
    <section class="card" aria-labelledby="dpi-heading">
      <h2 id="dpi-heading">
        Quick DPI score <span class="badge ok">Free</span>
      </h2>
      <p class="hint">From the image's pixel size and the canvas alone, no file needed. The rating follows as you type.</p>
      <form id="dpi-form">
        <div class="row bottom">
          <NumberField id="widthPx" label="Image width (pixels)" value="4000" min="1" max={MAX_PIXELS_PER_SIDE} step="1" required />
          <NumberField id="heightPx" label="Image height (pixels)" value="3000" min="1" max={MAX_PIXELS_PER_SIDE} step="1" required />
          <NumberField id="canvasWidthInches" label="Canvas width (inches)" value="30" min="0.01" max={MAX_CANVAS_INCHES} step="any" required />
          <NumberField id="canvasHeightInches" label="Canvas height (inches)" value="20" min="0.01" max={MAX_CANVAS_INCHES} step="any" required />
          <div class="field">
            <label for="productType">Product type</label>
            <select id="productType" name="productType" required>
              <ProductOptions />
            </select>
          </div>
        </div>
        <button type="submit" class="button">
          Rate
        </button>
      </form>
      <Errors id="dpi-errors" />
      <div id="dpi-result" aria-live="polite"></div>
    </section>

    <section class="card" aria-labelledby="check-heading">
      <h2 id="check-heading">
        Full check <span class="badge ok">No token charge</span>
      </h2>
      <p class="hint">Resolution, bleed, colour mode, transparency, fonts and more. Found problems can be fixed here for tokens.</p>
      <form id="check-form">
        <SourcePicker
          id="check"
          legend="Print file"
          accept="image/jpeg,image/png,image/tiff,application/pdf"
          hint="JPEG, PNG or TIFF up to 100 MB, PDF up to 25 MB."
        />
        <div class="row">
          <div class="field">
            <label for="designId">Design name</label>
            <input type="text" id="designId" name="designId" required maxlength={200} aria-describedby="design-hint" />
            <span class="hint" id="design-hint">
              Any name you use for this design.
            </span>
          </div>
          <div class="field">
            <label for="fileType">File type</label>
            <select id="fileType" name="fileType">
              <option value="">Detect automatically</option>
              <option value="jpeg">JPEG</option>
              <option value="png">PNG</option>
              <option value="tiff">TIFF</option>
              <option value="pdf">PDF</option>
            </select>
          </div>
        </div>
        <fieldset>
          <legend>Product requirements</legend>
          <div class="row">
            <NumberField id="requiredDpi" label="Required DPI" value="300" min="1" max={MAX_REQUIRED_DPI} step="1" />
            <div class="field">
              <label for="requiredColorMode">Colour mode</label>
              <select id="requiredColorMode" name="requiredColorMode">
                <option value="any">Any</option>
                <option value="rgb">RGB</option>
                <option value="cmyk">CMYK</option>
              </select>
            </div>
            <NumberField id="bleedMm" label="Bleed (mm)" value="3" min="0" max={MAX_BLEED_MM} step="any" />
          </div>
        </fieldset>
        <details>
          <summary>Canvas size (optional)</summary>
          <div class="row">
            <NumberField id="checkCanvasWidth" label="Canvas width (inches)" min="0.01" max={MAX_CANVAS_INCHES} step="any" />
            <NumberField id="checkCanvasHeight" label="Canvas height (inches)" min="0.01" max={MAX_CANVAS_INCHES} step="any" />
            <div class="field">
              <label for="checkProductType">Product type</label>
              <select id="checkProductType" name="checkProductType">
                <ProductOptions blank="Not set" />
              </select>
            </div>
          </div>
        </details>
        <button type="submit" class="button" id="check-submit">
          Run full check
        </button>
      </form>
      <Errors id="check-errors" />
      <Status id="check-status" />
    </section>

    <section class="card" id="report" aria-labelledby="report-heading" hidden>
      <h2 id="report-heading" tabindex={-1}>
        Report
      </h2>
      <div id="report-body"></div>
    </section>

    <section class="card" id="fix" aria-labelledby="fix-heading" hidden>
      <h2 id="fix-heading" tabindex={-1}>
        Fix
      </h2>
      <Errors id="fix-errors" />
      <div id="fix-body"></div>
    </section>
  </AppPage>
);
