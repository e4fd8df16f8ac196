/** @jsxImportSource hono/jsx */
import { defaultKeepExistingAlpha } from "../../bg-removal/jobs";
import { SUBJECT_TYPES } from "../../bg-removal/schemas";
import { BG_REMOVE_TOKENS } from "../../pricing/prices";
import { Compare, Errors, SourcePicker, Status, SUBJECT_LABELS } from "../components";
import { AppPage } from "../layout";

/**
 * The subject types whose jobs keep a source's own transparency unless told
 * otherwise, from the API's own rule. The page's checkbox starts and stays at
 * that default for the chosen subject type until it is clicked. A checkbox
 * rather than a "default / yes / no" select: it always shows what the job
 * will do, where "default" would leave the reader to know the rule, and
 * someone who never touches it still gets exactly the API's default.
 */
const KEEPS_OWN_ALPHA = SUBJECT_TYPES.filter(defaultKeepExistingAlpha);

export const BgRemovePage = () => (
  <AppPage
    title="Background Removal"
    page="bg-remove"
    lead={`Cut out the subject of a photo, logo or product shot as a PNG. Each image costs ${BG_REMOVE_TOKENS} tokens; if a job fails, the tokens come back.`}
  >
    <section class="card" aria-labelledby="bg-form-heading">
      <h2 id="bg-form-heading">Image and options</h2>
      <form id="bg-form">
        <SourcePicker id="bg" legend="Image" accept="image/jpeg,image/png,image/webp" hint="JPEG, PNG or WebP, up to 100 MB and 12 megapixels." />
        <div class="row">
          <div class="field">
            <label for="subject_type">Subject type</label>
            <select id="subject_type" name="subject_type" aria-describedby="subject-hint">
              {SUBJECT_TYPES.map((t) => (
                <option value={t}>{SUBJECT_LABELS[t]}</option>
              ))}
            </select>
            <span class="hint" id="subject-hint">
              Logo and Text keep holes (the inside of an “o”) and exact edges.
            </span>
          </div>
          <div class="field">
            <label for="edge_softness">Edge softness</label>
            <input type="range" id="edge_softness" name="edge_softness" min="0" max="10" step="1" value="3" aria-describedby="softness-hint" />
            <output id="edge_softness_value" for="edge_softness">
              3
            </output>
            <span class="hint" id="softness-hint">
              0 is a hard cut, 10 is feathered.
            </span>
          </div>
        </div>
        <div class="field">
          <label class="choice">
            <input
              type="checkbox"
              id="keep_existing_alpha"
              name="keep_existing_alpha"
              checked={KEEPS_OWN_ALPHA.includes(SUBJECT_TYPES[0])}
              data-default-for={KEEPS_OWN_ALPHA.join(" ")}
              aria-describedby="keep-alpha-hint"
            />
            Cut along the image's own transparency when it has some
          </label>
          <span class="hint" id="keep-alpha-hint">
            A PNG or WebP that is cut out already keeps its own edge, and the model does not run. Ticked for{" "}
            {KEEPS_OWN_ALPHA.map((t) => SUBJECT_LABELS[t]).join(" and ")} unless you change it.
          </span>
          <label class="choice">
            <input type="checkbox" id="high_detail_mode" name="high_detail_mode" />
            High-detail mode, for fine hair and fur
          </label>
        </div>
        <fieldset>
          <legend>Background</legend>
          <label class="choice">
            <input type="radio" name="output_background" value="transparent" checked />
            Transparent
          </label>
          <label class="choice">
            <input type="radio" name="output_background" value="white" />
            White
          </label>
        </fieldset>
        <div class="actions">
          <button type="submit" class="button" id="bg-submit">
            Remove background ({BG_REMOVE_TOKENS} tokens)
          </button>
        </div>
      </form>
      <Errors id="errors" />
    </section>

    <section class="card" id="bg-result" aria-labelledby="bg-result-heading" hidden>
      <h2 id="bg-result-heading">Result</h2>
      <Status id="bg-status" />
      <Compare id="bg" afterLabel="After" checkerboard />
      <div class="actions">
        <a class="button" id="bg-download" download hidden>
          Download PNG
        </a>
        <a class="button secondary" href="/dashboard/wallet">
          See the charge in Transactions
        </a>
      </div>
      <dl class="meta" id="bg-meta"></dl>
    </section>
  </AppPage>
);
