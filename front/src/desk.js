// The partner's desk (/desk): sign in, name this phone, scan passes — online through the API,
// offline against the cached keys and revocations, with a queue synced when the network returns.
//
// Credentials: the device's token is traded at once for the HttpOnly session cookie
// (POST /api/v1/auth/session with the device token as bearer), so every request carries it and
// no script can read it. The cookie lives as long as the device token; offline nothing needs it,
// and the queue is sent with it when the network is back. The price: a desk whose cookie is
// cleared must sign in again (its queue stays on the phone and is sent then).
import * as store from "./desk/store.js";
import { call as api } from "./lib/api.js";
import { $, REFRESH_MS, online, renderBar, root, show, state, t, when } from "./desk/page.js";
import { refreshFigures } from "./desk/figures.js";
import { nextPass, scan, signedOut, startCamera, stopCamera, submitManual } from "./desk/scan.js";
import {
  fetchedOrKept,
  issueAttestation,
  refreshBookings,
  refreshConflicts,
  renderResults,
  whileOnline,
} from "./desk/sync.js";

// ---- session ---------------------------------------------------------------------------

async function startDesk() {
  state.site = await fetchedOrKept("site", `/api/v1/sites/${encodeURIComponent(state.session.site)}`);
  $("attestation").hidden = !state.site?.modes.includes("bike");
  show("scanner");
  await renderResults();
  await refreshConflicts();
  await refreshBookings();
  await refreshFigures();
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

// POST `body` to `path` for an access token, then trade it for the session cookie; true
// when signed in, else the refusal (or the network's absence) shown in `errorId`.
async function sessionFrom(errorId, path, body) {
  try {
    const token = await api(path, { method: "POST", body });
    if (!token.ok) {
      formError(errorId, token);
      return false;
    }
    const session = await api("/api/v1/auth/session", { method: "POST", bearer: token.data.access_token });
    if (!session.ok) {
      formError(errorId, session);
      return false;
    }
  } catch {
    formError(errorId, null);
    return false;
  }
  return true;
}

async function signIn(event) {
  event.preventDefault();
  $("signin-error").textContent = "";
  const username = $("signin-username").value.trim();
  const password = $("signin-password").value;
  if (await sessionFrom("signin-error", "/api/v1/auth/token", { username, password })) {
    $("signin-password").value = "";
    await loadSession();
  }
}

async function enrol(event) {
  event.preventDefault();
  $("enrol-error").textContent = "";
  // From now on the cookie holds the device's token: every scan bears the device's name.
  if (await sessionFrom("enrol-error", "/api/v1/devices", { name: $("enrol-name").value.trim() })) {
    await loadSession();
  }
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
