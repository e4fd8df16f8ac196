/** @jsxImportSource hono/jsx */
import { FIX_TYPE_TOKENS } from "../../pricing/prices";
import { Compare, Errors, SourcePicker, Status } from "../components";
import { AppPage } from "../layout";

export const UpscalePage = () => (
  <AppPage
    title="Image Upscale"
    page="upscale"
    lead="Enlarge a low-resolution image so it prints sharp. Upscaling uses high-quality Lanczos resampling: it enlarges cleanly but does not invent new detail."
  >
    <section class="card" aria-labelledby="up-form-heading">
      <h2 id="up-form-heading">Image and size</h2>
      <form id="upscale-form">
        <SourcePicker id="up" legend="Image" accept="image/jpeg,image/png,image/tiff" hint="JPEG, PNG or TIFF, up to 100 MB." />
        <fieldset>
          <legend>Enlarge by</legend>
          <label class="choice">
            <input type="radio" name="factor" value="upscale_resolution_2x" checked />
            2× ({FIX_TYPE_TOKENS.upscale_resolution_2x} tokens)
          </label>
          <label class="choice">
            <input type="radio" name="factor" value="upscale_resolution_4x" />
            4× ({FIX_TYPE_TOKENS.upscale_resolution_4x} tokens)
          </label>
        </fieldset>
        <div class="actions">
          <button type="submit" class="button" id="up-submit">
            Upscale 2× ({FIX_TYPE_TOKENS.upscale_resolution_2x} tokens)
          </button>
        </div>
      </form>
      <Errors id="errors" />
    </section>

    <section class="card" id="up-result" aria-labelledby="up-result-heading" hidden>
      <h2 id="up-result-heading">Result</h2>
      <Status id="up-status" />
      <div class="field" id="up-detail-toggle" hidden>
        <label class="choice">
          <input type="checkbox" id="up-detail" />
          Compare a detail at the upscaled size (the original enlarged pixel by pixel)
        </label>
      </div>
      <Compare id="up" afterLabel="Upscaled" />
      <div class="actions">
        <a class="button" id="up-download" download hidden>
          Download
        </a>
      </div>
      <dl class="meta" id="up-meta"></dl>
    </section>
  </AppPage>
);
