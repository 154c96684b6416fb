// The partner's desk (/desk): sign in, name this phone, scan passes — online through the API,
// offline against the cached keys and revocations, with a queue synced when the network returns.
//
// Credentials: the device's token is traded at once for the HttpOnly session cookie
// (POST /api/v1/auth/session with the device token as bearer), so every request carries it and
// no script can read it. The cookie lives as long as the device token; offline nothing needs it,
// and the queue is sent with it when the network is back. The price: a desk whose cookie is
// cleared must sign in again (its queue stays on the phone and is sent then).
import { display, readCode } from "./desk/codes.js";
import { Camera } from "./desk/camera.js";
import * as store from "./desk/store.js";
import { TokenRefused, peek, verifyOffline } from "./desk/token.js";
import { intlLocale } from "./locale.js";

const root = document.getElementById("desk");
const TEXT = JSON.parse(document.getElementById("desk-text").textContent);
const LANG = root.dataset.lang;
const ZONE = "Europe/Paris"; // the Lot's time, whatever the phone says
const REFRESH_MS = 3 * 60 * 1000; // revocations and queue, while online
const SYNC_BATCH = 500; // the service's limit per batch

const $ = (id) => document.getElementById(id);
const state = { session: null, site: null, camera: null, busy: false };

function t(key, params = {}) {
  return TEXT[key].replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

function el(tag, attributes = {}, ...children) {
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

const moment = new Intl.DateTimeFormat(intlLocale(LANG), { timeZone: ZONE, dateStyle: "medium", timeStyle: "short" });
const clockTime = new Intl.DateTimeFormat(intlLocale(LANG), { timeZone: ZONE, hour: "2-digit", minute: "2-digit" });
const when = (iso) => moment.format(new Date(iso));
const hour = (iso) => clockTime.format(new Date(iso));

// ---- the network -------------------------------------------------------------------------

class Offline extends Error {}

async function api(path, { method = "GET", body, bearer } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": LANG };
  if (body !== undefined || method !== "GET") {
    // the server takes cookie-borne writes only as JSON (CSRF by construction)
    headers["Content-Type"] = "application/json";
  }
  if (bearer) {
    headers.Authorization = `Bearer ${bearer}`;
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new Offline();
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  return { status: response.status, ok: response.ok, data };
}

const online = () => navigator.onLine !== false;

function newNonce() {
  if (crypto.randomUUID) {
    return crypto.randomUUID();
  }
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---- what the desk shows ---------------------------------------------------------------

function show(section) {
  for (const id of ["signin", "enrol", "scanner"]) {
    $(id).hidden = id !== section;
  }
  $("desk-bar").hidden = section !== "scanner";
}

async function renderBar() {
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
let audio = null;
function unlockSound() {
  if (!audio && window.AudioContext) {
    audio = new AudioContext();
  }
}
function signal(kind) {
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

function showVerdict(kind, word, lines, { offline = false, extra = null } = {}) {
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

function declaredFacts(declared, confidence) {
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

function dateOnly(isoDate) {
  const [year, month, day] = isoDate.split("-").map(Number);
  return new Intl.DateTimeFormat(intlLocale(LANG), { dateStyle: "full", timeZone: "UTC" }).format(Date.UTC(year, month - 1, day));
}

function offerText() {
  return state.site?.offer?.label ? t("offer", { offer: state.site.offer.label }) : null;
}

// ---- scanning --------------------------------------------------------------------------

function personsWanted() {
  const value = $("manual-persons").value.trim();
  return value ? Number(value) : undefined;
}

async function scan(presented) {
  if (state.busy) {
    return;
  }
  state.busy = true;
  const item = { nonce: newNonce(), scanned_at: new Date().toISOString(), ...presented };
  const persons = personsWanted();
  if (persons !== undefined) {
    item.persons = persons;
  }
  try {
    if (online()) {
      try {
        await scanOnline(item);
        return;
      } catch (error) {
        if (!(error instanceof Offline)) {
          throw error;
        }
      }
    }
    await scanOffline(item);
  } finally {
    state.busy = false;
    $("manual-persons").value = "";
    await renderBar();
    if (state.camera?.stream) {
      $("camera-next").hidden = false;
      $("camera-next").focus({ preventScroll: true }); // the verdict stays in view
    }
  }
}

async function scanOnline(item) {
  const answer = await api("/api/v1/redemptions", { method: "POST", body: item });
  const body = answer.data ?? {};
  if (answer.status === 401) {
    return signedOut();
  }
  if (answer.status === 201) {
    const use = body.redemption;
    await store.rememberScan(body.pass.code, use.redeemed_at, state.session.device, use.admitted);
    const booking = body.booking ? t("booking", { start: hour(body.booking.start), end: hour(body.booking.end) }) : null;
    const declared = body.pass.declared ? { ...body.pass.declared, mode: body.pass.mode } : null;
    const before = use.admitted_before ? t("already_in", { n: use.admitted_before, of: body.pass.persons }) : null;
    showVerdict("ok", t("valid"), [t("persons", { n: use.persons }), before, offerText(), booking], {
      extra: declaredFacts(declared, body.pass.confidence),
    });
    refreshBookings();
    return;
  }
  if (body.code === "redemption.already_redeemed" || body.code === "redemption.persons_already_in") {
    const first = body.first;
    await store.rememberScan(body.pass_code, first.redeemed_at, first.device, body.admitted);
    showVerdict("used", t("already_used"), [
      body.code === "redemption.already_redeemed"
        ? t("all_in", { of: body.pass_persons })
        : t("persons_left", { n: body.admitted, of: body.pass_persons, left: body.left }),
      t("used_when", { when: when(first.redeemed_at), device: first.device }),
    ]);
    return;
  }
  if (answer.status >= 500 && answer.status !== 503) {
    showVerdict("refused", t("refused"), [t("network_error")]);
    return;
  }
  if (answer.status === 503) {
    throw new Offline();
  }
  showVerdict("refused", t("refused"), [body.detail || body.title || t("network_error")]);
}

async function scanOffline(item) {
  if (!item.token) {
    showVerdict("refused", t("refused"), [t("code_offline")], { offline: true });
    return;
  }
  const jwks = await store.getMeta("jwks");
  let claims;
  try {
    claims = await verifyOffline(item.token, jwks, {
      issuer: root.dataset.issuer,
      audience: root.dataset.audience,
      nowSeconds: Date.now() / 1000,
    });
  } catch (error) {
    if (!(error instanceof TokenRefused)) {
      throw error;
    }
    const reason = {
      invalid: t("forged"),
      no_keys: t("keys_missing"),
      expired: error.claims && t("expired", { when: when(error.claims.validUntil * 1000) }),
      not_yet_valid: error.claims && t("not_yet_valid", { when: when(error.claims.validFrom * 1000) }),
    }[error.reason];
    showVerdict("refused", t("refused"), [reason], { offline: true });
    return;
  }
  const revoked = (await store.getMeta("revocations")) ?? {};
  if (revoked[claims.code]) {
    showVerdict("refused", t("refused"), [t("revoked")], { offline: true });
    return;
  }
  // the persons this phone knows are in here: a record without a count is a whole visit
  const seen = await store.scannedHere(claims.code);
  const admitted = seen ? (seen.admitted ?? claims.persons) : 0;
  const left = claims.persons - admitted;
  if (left <= 0 || (item.persons ?? left) > left) {
    const why = left <= 0 ? t("all_in", { of: claims.persons }) : t("persons_left", { n: admitted, of: claims.persons, left });
    showVerdict("used", t("already_used"), [why, t("used_when", { when: when(seen.when), device: seen.device })], {
      offline: true,
    });
    return;
  }
  const site = state.site;
  if (site && !site.modes.includes(claims.mode)) {
    showVerdict("refused", t("refused"), [t("mode_not_accepted")], { offline: true });
    return;
  }
  if (site?.min_confidence === "verified" && claims.confidence !== "verified") {
    showVerdict("refused", t("refused"), [t("confidence_too_low")], { offline: true });
    return;
  }
  if (item.persons !== undefined && item.persons > claims.persons) {
    showVerdict("refused", t("refused"), [t("too_many_persons", { n: claims.persons })], { offline: true });
    return;
  }
  // the count goes with the use, so the service admits what the desk let in
  const persons = item.persons ?? left;
  await store.enqueue({ ...item, persons, site: state.session.site });
  await store.rememberScan(claims.code, seen?.when ?? item.scanned_at, seen?.device ?? state.session.device, admitted + persons);
  showVerdict(
    "ok",
    t("valid"),
    [
      t("persons", { n: persons }),
      admitted ? t("already_in", { n: admitted, of: claims.persons }) : null,
      offerText(),
      site?.booking_required ? t("booking_offline") : null,
    ],
    { offline: true, extra: declaredFacts(null, claims.confidence) },
  );
  state.shownOffline = item.nonce;
}

// The offline « valid » still on screen gives way when the sync says it does not count.
function replaceShownVerdict(result) {
  if (result.nonce !== state.shownOffline || result.status === "ok" || result.status === "duplicate") {
    return;
  }
  if (result.status === "conflict") {
    showVerdict("used", t("already_used"), [
      t("after_sync"),
      resultText(result),
      t("persons", { n: result.first.persons }),
    ]);
  } else {
    showVerdict("refused", t("refused"), [t("after_sync"), resultText(result)]);
  }
}

function onCameraRead(text) {
  scan({ token: text.trim() });
}

async function startCamera() {
  unlockSound();
  $("camera-error").textContent = "";
  state.camera ??= new Camera($("camera-video"), onCameraRead);
  $("camera").hidden = false;
  try {
    await state.camera.start();
  } catch {
    $("camera").hidden = true;
    $("camera-error").textContent = t("camera_denied");
    return;
  }
  $("camera-start").hidden = true;
  $("camera-stop").hidden = false;
}

function stopCamera() {
  state.camera?.stop();
  $("camera").hidden = true;
  $("camera-start").hidden = false;
  $("camera-stop").hidden = true;
  $("camera-next").hidden = true;
}

function nextPass() {
  $("camera-next").hidden = true;
  $("verdict").className = "verdict";
  $("verdict").replaceChildren();
  state.camera?.resume();
}

async function submitManual(event) {
  event.preventDefault();
  unlockSound();
  const input = $("manual-code");
  // A hand-held scanner that types like a keyboard gives the whole token: take it as the QR.
  const typed = input.value.trim();
  if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(typed)) {
    input.value = "";
    await scan({ token: typed });
    return;
  }
  const read = readCode(typed);
  if (read.error) {
    input.setAttribute("aria-invalid", "true");
    $("manual-error").textContent = read.error === "length" ? t("code_length", { n: read.length }) : t("code_mistyped");
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  $("manual-error").textContent = "";
  input.value = display(read.code);
  await scan({ code: read.code });
  input.value = "";
}

// ---- keys, revocations, queue ----------------------------------------------------------

async function refreshKeys() {
  const jwks = await api("/.well-known/jwks.json");
  if (jwks.ok && jwks.data?.keys) {
    await store.setMeta("jwks", jwks.data);
  }
  const since = await store.getMeta("revocations_since");
  const list = await api(`/api/v1/revocations${since ? `?since=${encodeURIComponent(since)}` : ""}`);
  if (list.ok && list.data) {
    const revoked = (await store.getMeta("revocations")) ?? {};
    const now = Date.now();
    for (const entry of list.data.revoked) {
      revoked[entry.jti] = entry.valid_until;
    }
    for (const [jti, validUntil] of Object.entries(revoked)) {
      if (Date.parse(validUntil) < now) {
        delete revoked[jti]; // an expired pass is refused anyway
      }
    }
    await store.setMeta("revocations", revoked);
    await store.setMeta("revocations_since", list.data.generated_at);
  }
}

// What the service takes of a queued use (the queue also notes the site it was scanned at).
function syncItem({ nonce, token, code, persons, scanned_at }) {
  return Object.fromEntries(Object.entries({ nonce, token, code, persons, scanned_at }).filter(([, v]) => v !== undefined));
}

async function sync() {
  // a phone signed in at another site since keeps those uses for that site's session
  const items = (await store.queued()).filter((item) => item.site === state.session.site);
  for (let start = 0; start < items.length; start += SYNC_BATCH) {
    const batch = items.slice(start, start + SYNC_BATCH);
    const answer = await api("/api/v1/redemptions/sync", { method: "POST", body: { items: batch.map(syncItem) } });
    if (answer.status === 401) {
      return signedOut();
    }
    if (!answer.ok) {
      return;
    }
    const byNonce = new Map(batch.map((item) => [item.nonce, item]));
    for (const result of answer.data.results) {
      await store.settle({ ...result, synced_at: new Date().toISOString() }, byNonce.get(result.nonce));
      replaceShownVerdict(result);
    }
  }
  await renderBar();
  await renderResults();
  await refreshConflicts();
}

function resultText(result) {
  switch (result.status) {
    case "ok":
      return t("sync_ok");
    case "duplicate":
      return t("sync_duplicate");
    case "conflict":
      return t("sync_conflict", { device: result.first.device, when: when(result.first.redeemed_at) });
    default:
      return t("sync_rejected", { reason: result.detail || result.code });
  }
}

async function renderResults() {
  const results = (await store.results()).sort((a, b) => b.item.scanned_at.localeCompare(a.item.scanned_at));
  $("queue-results").replaceChildren(
    ...results.slice(0, 30).map((result) => {
      let code = "?";
      try {
        code = display(peek(result.item.token).code);
      } catch {
        code = result.item.code ? display(result.item.code) : "?";
      }
      return el(
        "li",
        { class: `sync sync--${result.status}` },
        el("strong", {}, code),
        ` · ${when(result.item.scanned_at)} · ${resultText(result)}`,
      );
    }),
  );
}

async function refreshConflicts() {
  let conflicts = await store.getMeta("conflicts");
  try {
    const answer = await api("/api/v1/redemptions/conflicts");
    if (answer.ok) {
      conflicts = answer.data;
      await store.setMeta("conflicts", conflicts);
    }
  } catch (error) {
    if (!(error instanceof Offline)) {
      throw error;
    }
  }
  conflicts ??= [];
  $("conflicts-title").hidden = conflicts.length === 0;
  $("conflicts").replaceChildren(
    ...conflicts.map((conflict) =>
      el(
        "li",
        { class: "sync sync--conflict" },
        t("conflict_item", {
          code: display(conflict.code),
          first: conflict.first_device,
          first_when: when(conflict.first_scanned_at ?? conflict.first_redeemed_at),
          device: conflict.device,
          when: when(conflict.scanned_at ?? conflict.received_at),
        }),
      ),
    ),
  );
}

async function refreshBookings() {
  if (!state.site?.bookable) {
    return;
  }
  $("bookings").hidden = false;
  let slots = await store.getMeta("bookings");
  try {
    const answer = await api("/api/v1/bookings/today");
    if (answer.ok) {
      slots = answer.data;
      await store.setMeta("bookings", slots);
    }
  } catch (error) {
    if (!(error instanceof Offline)) {
      throw error;
    }
  }
  const list = $("bookings-list");
  if (!slots?.length) {
    list.replaceChildren(el("p", {}, t("no_bookings")));
    return;
  }
  list.replaceChildren(
    ...slots.map((slot) =>
      el(
        "section",
        { class: "slot", "aria-label": `${hour(slot.start)}–${hour(slot.end)}` },
        el(
          "h3",
          {},
          t("slot", { start: hour(slot.start), end: hour(slot.end), remaining: slot.remaining, capacity: slot.capacity }),
        ),
        el(
          "ul",
          { class: "desk-list", role: "list" },
          ...slot.bookings.map((booking) =>
            el(
              "li",
              { class: booking.scanned_at ? "is-scanned" : "" },
              t("booked", { code: booking.code_display, n: booking.persons }),
              " — ",
              booking.scanned_at ? t("scanned", { time: hour(booking.scanned_at) }) : t("not_scanned"),
            ),
          ),
        ),
      ),
    ),
  );
}

async function issueAttestation(event) {
  event.preventDefault();
  const persons = Number($("attestation-persons").value || 1);
  const result = $("attestation-result");
  let answer;
  try {
    answer = await api("/api/v1/attestations", { method: "POST", body: { persons } });
  } catch {
    result.replaceChildren(el("p", { class: "desk-error" }, t("network_error")));
    return;
  }
  if (!answer.ok) {
    result.replaceChildren(el("p", { class: "desk-error" }, answer.data?.detail ?? t("network_error")));
    return;
  }
  result.replaceChildren(
    el("p", {}, t("attestation_code")),
    el("p", { class: "attestation-code" }, answer.data.code_display),
    el("p", {}, t("expires", { when: when(answer.data.expires_at) })),
  );
}

// Online: refresh what offline checks need and send what waits. Each part may fail alone.
async function whileOnline() {
  await renderBar();
  if (!online() || !state.session) {
    return;
  }
  for (const task of [refreshKeys, sync, refreshBookings, refreshConflicts]) {
    try {
      await task();
    } catch (error) {
      if (!(error instanceof Offline)) {
        console.warn(error);
      }
    }
  }
  await renderBar();
  root.dataset.refreshedAt = new Date().toISOString(); // when the cached keys and queue were last brought up to date
}

// ---- session ---------------------------------------------------------------------------

async function signedOut() {
  state.session = null;
  stopCamera();
  await store.setMeta("session", null);
  show("signin");
}

async function startDesk() {
  state.site = await store.getMeta("site");
  try {
    const site = await api(`/api/v1/sites/${encodeURIComponent(state.session.site)}`);
    if (site.ok) {
      state.site = site.data;
      await store.setMeta("site", site.data);
    }
  } catch {
    // offline: the cached rules
  }
  $("attestation").hidden = !state.site?.modes.includes("bike");
  show("scanner");
  await renderResults();
  await refreshConflicts();
  await refreshBookings();
  await whileOnline();
}

async function loadSession() {
  try {
    const answer = await api("/api/v1/auth/session");
    state.session = answer.ok ? answer.data : null;
    await store.setMeta("session", state.session);
  } catch {
    state.session = (await store.getMeta("session")) ?? null; // offline: who we were
  }
  if (!state.session || state.session.role !== "partner") {
    $("signin-error").textContent = state.session ? t("not_partner") : "";
    show("signin");
    $("signin-username").focus();
    return;
  }
  if (!state.session.device) {
    show("enrol");
    $("enrol-name").focus();
    return;
  }
  await startDesk();
}

function formError(id, answer) {
  $(id).textContent = answer?.data?.detail ?? t("network_error");
}

async function signIn(event) {
  event.preventDefault();
  $("signin-error").textContent = "";
  const username = $("signin-username").value.trim();
  const password = $("signin-password").value;
  try {
    const token = await api("/api/v1/auth/token", { method: "POST", body: { username, password } });
    if (!token.ok) {
      return formError("signin-error", token);
    }
    const session = await api("/api/v1/auth/session", { method: "POST", bearer: token.data.access_token });
    if (!session.ok) {
      return formError("signin-error", session);
    }
  } catch {
    return formError("signin-error", null);
  }
  $("signin-password").value = "";
  await loadSession();
}

async function enrol(event) {
  event.preventDefault();
  $("enrol-error").textContent = "";
  try {
    const device = await api("/api/v1/devices", { method: "POST", body: { name: $("enrol-name").value.trim() } });
    if (!device.ok) {
      return formError("enrol-error", device);
    }
    // From now on the cookie holds the device's token: every scan bears the device's name.
    const session = await api("/api/v1/auth/session", { method: "POST", bearer: device.data.access_token });
    if (!session.ok) {
      return formError("enrol-error", session);
    }
  } catch {
    return formError("enrol-error", null);
  }
  await loadSession();
}

async function signOut() {
  try {
    await api("/api/v1/auth/session", { method: "DELETE" });
  } catch {
    // offline: the cookie ends with its token anyway
  }
  await store.forgetAllButQueue();
  await signedOut();
}

// ---- the page opens without network --------------------------------------------------

async function keepOffline() {
  if (!("serviceWorker" in navigator)) {
    return;
  }
  await navigator.serviceWorker.register(root.dataset.serviceWorker, { scope: "/desk" });
  // The page and what it loaded, cached now: the worker serves them when the network is gone.
  const cache = await caches.open("tbc-desk-v1");
  const urls = performance
    .getEntriesByType("resource")
    .map((entry) => new URL(entry.name))
    .filter((url) => url.origin === location.origin && url.pathname.startsWith("/static/"))
    .map((url) => url.pathname);
  await cache.addAll([location.pathname + location.search, ...new Set(urls)]);
}

$("signin-form").addEventListener("submit", signIn);
$("enrol-form").addEventListener("submit", enrol);
$("manual-form").addEventListener("submit", submitManual);
$("camera-start").addEventListener("click", startCamera);
$("camera-stop").addEventListener("click", stopCamera);
$("camera-next").addEventListener("click", nextPass);
$("attestation-form").addEventListener("submit", issueAttestation);
$("signout").addEventListener("click", signOut);
window.addEventListener("online", whileOnline);
window.addEventListener("offline", renderBar);
setInterval(whileOnline, REFRESH_MS);

loadSession();
keepOffline().catch((error) => console.warn("offline copy:", error));
