/** @jsxImportSource hono/jsx */
import { MAX_USAGE_DAYS } from "../../usage/schemas";
import { Errors } from "../components";
import { AppPage } from "../layout";

/** Usage for accounting: the numbers of GET /v1/usage for a range and grouping, and the same as CSV. */
export const UsagePage = () => (
  <AppPage
    title="Usage"
    page="usage"
    lead="Tokens charged, refunded and net for a range of days, per day, service or shopper: the same numbers GET /v1/usage gives your accounting. Days are UTC."
  >
    <Errors id="errors" />
    <section class="card" aria-labelledby="usage-range-heading">
      <h2 id="usage-range-heading">Range</h2>
      <form id="usage-form">
        <div class="row bottom">
          <div class="field">
            <label for="usage-from">
              From <span class="hint">first day, included</span>
            </label>
            <input type="date" id="usage-from" name="from" min="1970-01-01" aria-describedby="usage-range-hint" />
          </div>
          <div class="field">
            <label for="usage-to">
              To <span class="hint">last day, included</span>
            </label>
            <input type="date" id="usage-to" name="to" min="1970-01-01" aria-describedby="usage-range-hint" />
          </div>
          <div class="field">
            <label for="usage-group">Group by</label>
            <select id="usage-group" name="group_by">
              <option value="day">Day</option>
              <option value="service">Service</option>
              <option value="shopper">Shopper</option>
            </select>
          </div>
          <div class="field">
            <button type="submit" class="button" id="usage-submit">
              Show usage
            </button>
          </div>
        </div>
        <p class="hint" id="usage-range-hint">
          UTC days, at most {MAX_USAGE_DAYS}. Left empty: the last 30 days up to today.
        </p>
      </form>
    </section>

    <div class="grid">
      <section class="card" aria-labelledby="usage-net-heading">
        <h2 id="usage-net-heading">Net tokens used</h2>
        <p class="stat" id="usage-net">
          …
        </p>
        <p class="stat-label" id="usage-summary"></p>
      </section>
      <section class="card" aria-labelledby="usage-jobs-heading">
        <h2 id="usage-jobs-heading">Jobs ended</h2>
        <p class="stat" id="usage-jobs">
          …
        </p>
        <p class="stat-label" id="usage-jobs-detail"></p>
      </section>
    </div>

    <section class="card" aria-labelledby="usage-table-heading">
      <h2 id="usage-table-heading">Usage per day</h2>
      <div id="usage-table" class="table-wrap" aria-live="polite">
        <p class="hint">Loading…</p>
      </div>
      <div class="actions">
        <a class="button secondary" id="usage-csv" href="/v1/usage" download="usage.csv">
          Download CSV
        </a>
      </div>
      <details>
        <summary>What the numbers mean</summary>
        <dl class="meta">
          <dt>Charged</dt>
          <dd>Tokens taken when jobs were created: a job's price, or a fix job's estimate, held until the job ends.</dd>
          <dt>Refunded</dt>
          <dd>Tokens given back: all of a failed job's charge, or the part of an estimate a fix did not use.</dd>
          <dt>Net</dt>
          <dd>
            Charged minus refunded: what the range cost. It includes tokens still held for jobs that are running, and can be negative on a day whose refunds
            were for an earlier day's charges.
          </dd>
          <dt>Captured</dt>
          <dd>
            Tokens whose charge became final, because their job completed. Net minus captured is the change in tokens on hold over the range: the two are
            equal when no job was running at its start or its end.
          </dd>
          <dt>Jobs</dt>
          <dd>Counted on the day they completed or failed.</dd>
          <dt>Tokens added</dt>
          <dd>Purchases and credits are not usage: they appear only in the summary above, not in the table.</dd>
          <dt>Dates</dt>
          <dd>Each ledger entry counts on the UTC day it was made, so a job charged late one day and refunded the next shows on both.</dd>
        </dl>
      </details>
    </section>
  </AppPage>
);
