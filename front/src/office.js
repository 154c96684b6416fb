// The tourist offices' pages. Server-rendered tables hold every figure; this script
// draws a chart above each table that asks for one (data-chart), signs in through the
// API, and sends the work queues' forms to the API (the session cookie goes with them).
import { call, problemText } from "./lib/api.js";
import { formatters, intlLocale, pageLang } from "./lib/locale.js";
import { setUpSitImport } from "./office/sit-import.js";
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const lang = pageLang();
const networkError = document.querySelector('meta[name="network-error"]')?.content || "";
// Series colours: AA contrast against white for graphics (≥ 3:1), told apart without hue too.
const SERIES = [
  { color: "#1f5c34", border: "#1f5c34" },
  { color: "#c26a1a", border: "#8a4a10" },
];

// ---- charts, from the tables under them ------------------------------------------------

function tableSeries(table) {
  const heads = [...table.tHead.rows[0].cells];
  const columns = heads.map((cell, index) => ({ cell, index })).filter(({ cell }) => cell.hasAttribute("data-series"));
  const rows = [...table.tBodies[0].rows];
  return {
    labels: rows.map((row) => row.cells[0].textContent.trim()),
    datasets: columns.map(({ cell, index }, position) => ({
      label: cell.textContent.trim(),
      data: rows.map((row) => Number(row.cells[index].dataset.value || 0)),
      backgroundColor: SERIES[position % SERIES.length].color,
      borderColor: SERIES[position % SERIES.length].border,
      borderWidth: 1,
      maxBarThickness: 56,
    })),
  };
}

function drawChart(table) {
  const horizontal = table.dataset.chart === "hbar";
  const { labels, datasets } = tableSeries(table);
  if (!labels.length) return;
  const figure = document.createElement("figure");
  figure.className = "chart";
  const box = document.createElement("div");
  box.className = "chart__box";
  // Bars across: a row per label, so long site names stay readable on a phone.
  box.style.height = horizontal ? `${Math.max(12, labels.length * 2.6 + 5)}rem` : "18rem";
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  // The table under the chart is its text alternative.
  canvas.setAttribute("aria-label", table.caption ? table.caption.textContent.trim() : "");
  box.append(canvas);
  figure.append(box);
  table.closest(".table-wrap").before(figure);
  const numbers = new Intl.NumberFormat(intlLocale(lang));
  new Chart(canvas, {
    type: "bar",
    data: { labels, datasets },
    options: {
      indexAxis: horizontal ? "y" : "x",
      maintainAspectRatio: false,
      animation: false,
      locale: lang,
      plugins: {
        legend: { position: "bottom", labels: { color: "#1b1f1c", font: { size: 14 } } },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${numbers.format(item.raw)}` } },
      },
      scales: {
        x: { ticks: { color: "#1b1f1c", precision: 0 }, beginAtZero: true },
        y: { ticks: { color: "#1b1f1c", precision: 0 }, beginAtZero: true },
      },
    },
  });
}

document.querySelectorAll("table[data-chart]").forEach(drawChart);

// Charts follow the paper's width when printed.
window.addEventListener("beforeprint", () => {
  Object.values(Chart.instances).forEach((chart) => chart.resize());
});

const printButton = document.querySelector("[data-print]");
if (printButton) {
  printButton.hidden = false;
  printButton.addEventListener("click", () => window.print());
}

// ---- talking to the API (lib/api.js) --------------------------------------------------

function showError(form, message) {
  const slot = form.querySelector("[data-error]");
  slot.textContent = message;
  const field = form.querySelector("input, select, textarea");
  if (field) field.setAttribute("aria-describedby", slot.id || "");
}

function busy(form, on) {
  form.querySelectorAll("button").forEach((button) => {
    button.disabled = on;
  });
  form.setAttribute("aria-busy", on ? "true" : "false");
}

// Sign in: the API's token, traded at once for the HttpOnly session cookie.
const signIn = document.getElementById("sign-in");
if (signIn) {
  signIn.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!signIn.reportValidity()) return;
    busy(signIn, true);
    const data = Object.fromEntries(new FormData(signIn));
    try {
      const body = { username: data.username, password: data.password };
      const token = await call("/api/v1/auth/token", { method: "POST", body });
      if (!token.ok) {
        showError(signIn, problemText(token));
        return;
      }
      const session = await call("/api/v1/auth/session", { method: "POST", bearer: token.data.access_token });
      if (!session.ok) {
        showError(signIn, problemText(session));
        return;
      }
      window.location.reload();
    } catch {
      showError(signIn, networkError);
    } finally {
      busy(signIn, false);
    }
  });
}

// The Lot's UTC offset at a local day and time ("+02:00"), whatever the browser's zone.
function zoneOffset(day, time, timeZone) {
  const guess = new Date(`${day}T${time}:00Z`);
  const format = new Intl.DateTimeFormat("en-GB", { timeZone, timeZoneName: "longOffset" });
  const name = format.formatToParts(guess).find((part) => part.type === "timeZoneName").value;
  return name === "GMT" ? "+00:00" : name.slice(3);
}

function slotBody(form, data) {
  const zone = form.dataset.timezone;
  return {
    start: `${data.day}T${data.start_time}:00${zoneOffset(data.day, data.start_time, zone)}`,
    end: `${data.day}T${data.end_time}:00${zoneOffset(data.day, data.end_time, zone)}`,
    capacity: Number(data.capacity),
  };
}

// A partner site's form as the sites API's body (config/demo.toml's shape): numbers,
// the ticked modes, the offer's labels (an empty translation removes it), the switches.
function siteBody(form) {
  const data = new FormData(form);
  const text = (name) => String(data.get(name) ?? "").trim();
  const price = (name) => (text(name) === "" ? null : Number(text(name)));
  const body = {
    name: text("name"),
    ot: text("ot"),
    lat: Number(text("lat")),
    lon: Number(text("lon")),
    modes: data.getAll("modes"),
    offer: {
      label: text("label"),
      label_en: text("label_en") || null,
      label_es: text("label_es") || null,
      normal_price_eur: price("normal_price_eur"),
      reduced_price_eur: price("reduced_price_eur"),
    },
    min_confidence: text("min_confidence"),
    proof_max_age_days: text("proof_max_age_days") === "" ? null : Number(text("proof_max_age_days")),
    bookable: data.has("bookable"),
    booking_required: data.has("booking_required"),
    active: data.has("active"),
  };
  if (form.querySelector('[name="id"]')) body.id = text("id");
  return body;
}

setUpSitImport(networkError);

// Work queues: each form names its API call (data-api) and the message to show after it (data-done).
document.querySelectorAll("form[data-api]").forEach((form, index) => {
  const error = form.querySelector("[data-error]");
  if (error && !error.id) error.id = `form-error-${index}`;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const data = Object.fromEntries(new FormData(form));
    let path = form.dataset.api;
    const pathField = form.querySelector("[data-path]");
    if (pathField) {
      path = path.replace(`{${pathField.name}}`, encodeURIComponent(data[pathField.name].trim()));
      delete data[pathField.name];
    }
    let body;
    if (form.hasAttribute("data-slot")) body = slotBody(form, data);
    else if (form.hasAttribute("data-site")) body = siteBody(form);
    else body = Object.fromEntries(Object.entries(data).filter(([, value]) => value !== ""));
    busy(form, true);
    try {
      const response = await call(path, { method: form.dataset.method || "POST", body });
      if (!response.ok) {
        showError(form, problemText(response));
        return;
      }
      const answer = response.data || {};
      const next = new URL(window.location.href);
      next.hash = followingProof(form);
      next.searchParams.set("done", form.dataset.done);
      if (answer.code) next.searchParams.set("code", answer.code);
      if (form.hasAttribute("data-slot")) next.searchParams.set("date", data.day);
      if (form.hasAttribute("data-site")) next.searchParams.set("site", answer.id);
      window.location.assign(next);
    } catch {
      showError(form, networkError);
    } finally {
      busy(form, false);
    }
  });
});

// ---- the review queue, for people who review fifty a day -------------------------------

const proofs = () => [...document.querySelectorAll("article[data-review]")];

// After a decision the page reloads on the proof that followed the decided one (or the one
// before it, or the queue's heading when none is left), with the focus there.
function followingProof(form) {
  const decided = form.closest("article[data-review]");
  if (!decided) return "";
  const list = proofs();
  const at = list.indexOf(decided);
  const neighbour = list[at + 1] || list[at - 1];
  return neighbour ? neighbour.querySelector("h3").id : "review-title";
}

const landing = window.location.hash && document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
if (landing && (landing.id === "review-title" || landing.closest("article[data-review]"))) {
  landing.focus({ preventScroll: true });
  landing.scrollIntoView({ block: "start" });
}

function currentProof() {
  const focused = document.activeElement?.closest?.("article[data-review]");
  if (focused) return focused;
  // else the first proof whose heading is in view
  return proofs().find((proof) => proof.getBoundingClientRect().bottom > 0) || proofs()[0];
}

function goTo(proof) {
  if (!proof) return;
  const heading = proof.querySelector("h3");
  heading.focus({ preventScroll: true });
  heading.scrollIntoView({ block: "start" }); // under the sticky message: scroll-margin-top
}

const typing = (target) => target.closest?.("input, textarea, select, [contenteditable]") !== null;

const zoom = document.getElementById("photo-zoom");
const ZOOM_STEPS = [1, 1.5, 2, 3, 4];
let zoomAt = 0;

function setZoom(at) {
  zoomAt = Math.max(0, Math.min(ZOOM_STEPS.length - 1, at));
  const image = zoom.querySelector("[data-zoom-image]");
  // 1: the whole photo in the window; more: wider than the window, moved by scrolling.
  image.style.width = zoomAt === 0 ? "" : `${ZOOM_STEPS[zoomAt] * 100}%`;
  image.classList.toggle("zoom__image--fit", zoomAt === 0);
  zoom.querySelector("[data-zoom-scale]").textContent = formatters(lang).number(ZOOM_STEPS[zoomAt], {
    style: "percent",
  });
}

function openZoom(link) {
  const image = zoom.querySelector("[data-zoom-image]");
  image.src = link.dataset.zoom;
  image.alt = link.querySelector("img")?.alt || image.alt;
  zoom.returnTo = link;
  setZoom(0);
  zoom.showModal();
  zoom.querySelector(".zoom__frame").focus();
}

if (zoom) {
  document.querySelectorAll("[data-zoom]").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      openZoom(link);
    });
  });
  zoom.querySelectorAll("[data-zoom-step]").forEach((button) => {
    button.addEventListener("click", () => setZoom(zoomAt + Number(button.dataset.zoomStep)));
  });
  zoom.querySelector("[data-zoom-close]").addEventListener("click", () => zoom.close());
  zoom.querySelector("[data-zoom-image]").addEventListener("click", () => setZoom(zoomAt === 0 ? 2 : 0));
  zoom.addEventListener("keydown", (event) => {
    if (event.key === "+" || event.key === "=") setZoom(zoomAt + 1);
    else if (event.key === "-") setZoom(zoomAt - 1);
    else return;
    event.preventDefault();
  });
  zoom.addEventListener("close", () => zoom.returnTo?.focus());
}

if (proofs().length) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey && event.key === "Enter" && event.target.matches?.("textarea")) {
      event.preventDefault();
      event.target.form?.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target) || zoom?.open) return;
    const proof = currentProof();
    const list = proofs();
    const key = event.key.toLowerCase();
    if (key === "j") goTo(list[list.indexOf(proof) + 1]);
    else if (key === "k") goTo(list[list.indexOf(proof) - 1]);
    else if (key === "a") {
      const approve = proof.querySelector('form[data-done="approved"]');
      const empty = [...approve.querySelectorAll("input, select")].find((field) => field.required && !field.value);
      (empty || approve.querySelector('button[type="submit"]')).focus();
    } else if (key === "r") proof.querySelector('form[data-done="rejected"] textarea').focus();
    else if (key === "z") {
      const photo = proof.querySelector(".proof__photo [data-zoom]");
      if (!photo) return;
      openZoom(photo);
    } else return;
    event.preventDefault();
  });
}
