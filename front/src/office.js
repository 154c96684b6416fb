// The tourist offices' pages. Server-rendered tables hold every figure; this script
// draws a chart above each table that asks for one (data-chart), signs in through the
// API, and sends the work queues' forms to the API (the session cookie goes with them).
import { intlLocale } from "./locale.js";
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

const lang = document.documentElement.lang || "fr";
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

// ---- talking to the API ---------------------------------------------------------------

async function problemText(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || response.statusText;
  } catch {
    return response.statusText;
  }
}

function apiUrl(path) {
  const url = new URL(path, window.location.origin);
  url.searchParams.set("lang", lang);
  return url;
}

async function send(method, path, body, headers = {}) {
  return fetch(apiUrl(path), {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

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
      const token = await send("POST", "/api/v1/auth/token", { username: data.username, password: data.password });
      if (!token.ok) {
        showError(signIn, await problemText(token));
        return;
      }
      const { access_token: accessToken } = await token.json();
      const session = await send("POST", "/api/v1/auth/session", undefined, { Authorization: `Bearer ${accessToken}` });
      if (!session.ok) {
        showError(signIn, await problemText(session));
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
  const body = {
    name: text("name"),
    ot: text("ot"),
    lat: Number(text("lat")),
    lon: Number(text("lon")),
    modes: data.getAll("modes"),
    offer: { label: text("label"), label_en: text("label_en") || null, label_es: text("label_es") || null },
    min_confidence: text("min_confidence"),
    proof_max_age_days: text("proof_max_age_days") === "" ? null : Number(text("proof_max_age_days")),
    bookable: data.has("bookable"),
    booking_required: data.has("booking_required"),
    active: data.has("active"),
  };
  if (form.querySelector('[name="id"]')) body.id = text("id");
  return body;
}

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
      const response = await send(form.dataset.method || "POST", path, body);
      if (!response.ok) {
        showError(form, await problemText(response));
        return;
      }
      const answer = await response.json();
      const next = new URL(window.location.href);
      next.hash = "";
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
