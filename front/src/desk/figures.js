// « Chiffres du site »: this season and this week, visitors received by arrival mode beside
// the same days last year, as big numbers, a small chart (drawn from the table's own
// figures) and the table; kept on the phone, so offline it shows the last ones and says when.
import * as store from "./store.js";
import { Offline, call as api } from "../lib/api.js";
import { $, format, state, t, when } from "./page.js";

const SVG = "http://www.w3.org/2000/svg";
const MODES = ["train", "bus", "bike"];

async function fetched() {
  const today = format.isoDay(new Date());
  const day = new Date(`${today}T12:00:00Z`);
  const monday = new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
  try {
    const [season, week] = await Promise.all([
      api("/api/v1/reports/figures"),
      api(`/api/v1/reports/figures?from=${monday}&to=${today}`),
    ]);
    if (season.ok && week.ok) {
      const kept = { season: season.data, week: week.data, at: new Date().toISOString() };
      await store.setMeta("figures", kept);
      return { ...kept, offline: false };
    }
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
  }
  const kept = await store.getMeta("figures");
  return kept ? { ...kept, offline: true } : null;
}

// The big number, and last year's beside it in smaller type.
function visitors(report) {
  const { value, previous } = report.figures.redeemed_persons;
  const big = document.createElement("span");
  big.className = "figures-big__n";
  big.textContent = format.number(value);
  if (previous === null || previous === undefined) return [big];
  const then = document.createElement("span");
  then.className = "figures-big__then";
  then.textContent = t("last_year_n", { n: format.number(previous) });
  return [big, " ", then];
}

function byMode(rows) {
  return Object.fromEntries(rows.map((row) => [row.mode, row.persons]));
}

function bar(x, y, width, height, className) {
  const rect = document.createElementNS(SVG, "rect");
  for (const [name, value] of Object.entries({ x, y, width, height, class: className })) rect.setAttribute(name, value);
  return rect;
}

function chart(now, then) {
  const most = Math.max(1, ...MODES.map((mode) => Math.max(now[mode] ?? 0, then[mode] ?? 0)));
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 300 140");
  svg.setAttribute("class", "figures-svg");
  // the legend: which bar is which (the table under it says the same)
  [["is-current", "this_season", 20], ["is-previous", "last_year", 160]].forEach(([kind, word, x]) => {
    svg.append(bar(x, 126, 12, 12, kind));
    const text = document.createElementNS(SVG, "text");
    text.setAttribute("x", x + 16);
    text.setAttribute("y", 136);
    text.textContent = t(word);
    svg.append(text);
  });
  MODES.forEach((mode, index) => {
    const x = 20 + index * 95;
    const heightOf = (n) => Math.round(((n ?? 0) / most) * 90);
    svg.append(bar(x, 100 - heightOf(then[mode]), 30, heightOf(then[mode]), "is-previous"));
    svg.append(bar(x + 34, 100 - heightOf(now[mode]), 30, heightOf(now[mode]), "is-current"));
    const label = document.createElementNS(SVG, "text");
    label.setAttribute("x", x + 32);
    label.setAttribute("y", 116);
    label.setAttribute("text-anchor", "middle");
    label.textContent = t(`mode_${mode}`);
    svg.append(label);
  });
  return svg;
}

export async function refreshFigures() {
  if (!state.session) return;
  const figures = await fetched();
  if (!figures) return;
  $("figures").hidden = false;
  $("figures-season").replaceChildren(...visitors(figures.season));
  $("figures-week").replaceChildren(...visitors(figures.week));
  const now = byMode(figures.season.breakdowns.mode);
  const then = byMode(figures.season.previous_breakdowns.mode);
  $("figures-chart").replaceChildren(chart(now, then));
  $("figures-modes").replaceChildren(
    ...MODES.map((mode) => {
      const row = document.createElement("tr");
      const head = document.createElement("th");
      head.scope = "row";
      head.textContent = t(`mode_${mode}`);
      const current = document.createElement("td");
      current.textContent = format.number(now[mode] ?? 0);
      const previous = document.createElement("td");
      previous.textContent = format.number(then[mode] ?? 0);
      row.append(head, current, previous);
      return row;
    }),
  );
  $("figures-when").textContent = t(figures.offline ? "figures_offline" : "figures_at", { when: when(figures.at) });
}
