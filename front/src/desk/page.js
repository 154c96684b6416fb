// The desk's page: its words, its state, and what it shows (the bar, the verdict, its sound).
import * as store from "./store.js";
import { formatters, intlLocale, pageLang } from "../lib/locale.js";

export const root = document.getElementById("desk");
export const TEXT = JSON.parse(document.getElementById("desk-text").textContent);
export const LANG = pageLang();
export const REFRESH_MS = 3 * 60 * 1000; // revocations and queue, while online
export const SYNC_BATCH = 500; // the service's limit per batch

export const $ = (id) => document.getElementById(id);
export const state = { session: null, site: null, camera: null, busy: false };

export function t(key, params = {}) {
  return TEXT[key].replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") {
      node.className = value;
    } else {
      node.setAttribute(name, value);
    }
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

export const format = formatters(LANG);
export const when = (iso) => format.moment.format(new Date(iso));
export const hour = (iso) => format.time.format(new Date(iso));

export const online = () => navigator.onLine !== false;

export function newNonce() {
  if (crypto.randomUUID) {
    return crypto.randomUUID();
  }
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---- what the desk shows ---------------------------------------------------------------

export function show(section) {
  for (const id of ["signin", "enrol", "scanner"]) {
    $(id).hidden = id !== section;
  }
  $("desk-bar").hidden = section !== "scanner";
}

export async function renderBar() {
  const offline = !online();
  const network = $("desk-network");
  network.textContent = offline ? t("offline_status") : t("online");
  network.className = `desk-network ${offline ? "is-offline" : "is-online"}`;
  if (state.session) {
    $("desk-who").textContent = t("signed_in", { device: state.session.device, site: state.site?.name ?? state.session.site });
  }
  const waiting = await store.queueSize();
  $("desk-queue").textContent = t("queue_waiting", { n: waiting });
  $("desk-queue").classList.toggle("has-waiting", waiting > 0);
  $("queue-summary").textContent = waiting ? t("queue_waiting", { n: waiting }) : t("queue_none");
}

// The sound and the buzz of a verdict, where the phone allows them.
export let audio = null;
export function unlockSound() {
  if (!audio && window.AudioContext) {
    audio = new AudioContext();
  }
}
export function signal(kind) {
  const tones = { ok: [[880, 0.15]], used: [[520, 0.15], [520, 0.15]], refused: [[220, 0.45]] }[kind];
  navigator.vibrate?.(kind === "ok" ? 120 : [200, 100, 200]);
  if (!audio) {
    return;
  }
  let start = audio.currentTime;
  for (const [frequency, length] of tones) {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.value = 0.2;
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(start);
    oscillator.stop(start + length);
    start += length + 0.08;
  }
}

export function showVerdict(kind, word, lines, { offline = false, extra = null } = {}) {
  state.shownOffline = null; // the offline scan on screen, until another verdict replaces it
  const icon = { ok: "✓", used: "!", refused: "✗" }[kind];
  const verdict = $("verdict");
  verdict.className = `verdict verdict--${kind}`;
  verdict.replaceChildren(
    ...[
      offline ? el("p", { class: "verdict__offline" }, t("offline")) : null,
      el("p", { class: "verdict__word" }, el("span", { class: "verdict__icon", "aria-hidden": "true" }, icon), ` ${word}`),
      ...lines.filter(Boolean).map((line) => el("p", { class: "verdict__line" }, line)),
      extra,
    ].filter(Boolean),
  );
  signal(kind);
  verdict.scrollIntoView({ block: "start" });
}

export function declaredFacts(declared, confidence) {
  if (confidence !== "plausible") {
    return null;
  }
  const box = el("div", { class: "verdict__declared" }, el("p", { class: "verdict__ask" }, t("ask_ticket")));
  if (declared) {
    const rows = [
      [t("mode"), declared.mode ? t(`mode_${declared.mode}`) : null],
      [t("line"), declared.line],
      [t("arrival_stop"), declared.arrival_stop],
      [
        t("date_time"),
        [declared.arrival_date && dateOnly(declared.arrival_date), declared.arrival_time].filter(Boolean).join(" · "),
      ],
    ].filter(([, value]) => value);
    box.append(
      el("p", {}, t("declared")),
      el("dl", {}, ...rows.map(([term, value]) => el("div", {}, el("dt", {}, term), el("dd", {}, value)))),
    );
  }
  return box;
}

export function dateOnly(isoDate) {
  const [year, month, day] = isoDate.split("-").map(Number);
  return new Intl.DateTimeFormat(intlLocale(LANG), { dateStyle: "full", timeZone: "UTC" }).format(Date.UTC(year, month - 1, day));
}

export function offerText() {
  return state.site?.offer?.label ? t("offer", { offer: state.site.offer.label }) : null;
}
