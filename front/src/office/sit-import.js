// « Importer depuis DATAtourisme »: the export is sent as it is to the sites API, first as
// a preview (dry_run), then, once the person confirms, for good. The table of what the
// import would do, or did, is filled from the API's answer; its words come from the page.
import { call, problemText } from "../lib/api.js";

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? 0));
}

function cell(row, text, header = false) {
  const element = document.createElement(header ? "th" : "td");
  if (header) element.scope = "row";
  element.textContent = text;
  row.append(element);
}

function show(report, answer, phase) {
  const rows = report.querySelector("[data-rows]");
  rows.replaceChildren();
  for (const record of answer.records) {
    const row = document.createElement("tr");
    cell(row, record.name ? `${record.name} (${record.sit_id})` : record.sit_id, true);
    cell(row, record.site_id || "–");
    const outcome = report.dataset[record.outcome] || record.outcome;
    cell(row, record.reason_text ? fill(report.dataset.because, { outcome, reason: record.reason_text }) : outcome);
    rows.append(row);
  }
  const summary = report.querySelector("[data-summary]");
  summary.textContent = fill(summary.dataset[phase], answer.counts);
  const caption = report.querySelector("[data-caption]");
  caption.textContent = caption.dataset[phase];
  report.querySelector("[data-confirm]").hidden = phase === "done";
  report.querySelector("[data-reload]").hidden = phase !== "done";
  report.hidden = false;
}

export function setUpSitImport(networkError) {
  const form = document.getElementById("sit-import");
  const report = document.getElementById("sit-report");
  if (!form || !report) return;
  let chosen = null;

  async function send(dryRun, errorSlot) {
    const query = new URLSearchParams({ dry_run: String(dryRun) });
    if (chosen.ot) query.set("ot", chosen.ot);
    const buttons = [...form.querySelectorAll("button"), report.querySelector("[data-confirm]")];
    buttons.forEach((button) => (button.disabled = true));
    errorSlot.textContent = "";
    try {
      const answer = await call(`${form.dataset.import}?${query}`, { method: "POST", raw: chosen.file });
      if (!answer.ok) {
        errorSlot.textContent = problemText(answer);
        return;
      }
      show(report, answer.data, dryRun ? "preview" : "done");
      report.querySelector("[data-summary]").focus();
    } catch {
      errorSlot.textContent = networkError;
    } finally {
      buttons.forEach((button) => (button.disabled = false));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const data = new FormData(form);
    chosen = { file: data.get("file"), ot: String(data.get("ot") || "") };
    report.hidden = true;
    await send(true, form.querySelector("[data-error]"));
  });
  report.querySelector("[data-confirm]").addEventListener("click", () => {
    if (chosen) send(false, report.querySelector("[data-error]"));
  });
}
