// Scanning a pass: online through the API, offline against the cached keys, by camera or typed code.
import { display, readCode } from "./codes.js";
import { Camera } from "./camera.js";
import * as store from "./store.js";
import { TokenRefused, verifyOffline } from "./token.js";
import { Offline, call as api } from "../lib/api.js";
import {
  $,
  declaredFacts,
  hour,
  newNonce,
  offerText,
  online,
  renderBar,
  root,
  show,
  showVerdict,
  state,
  t,
  unlockSound,
  when,
} from "./page.js";
import { refreshBookings, resultText, sync } from "./sync.js";

// ---- scanning --------------------------------------------------------------------------

export function personsWanted() {
  const value = $("manual-persons").value.trim();
  return value ? Number(value) : undefined;
}

export async function scan(presented) {
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

export async function scanOnline(item) {
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

export async function scanOffline(item) {
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
export function replaceShownVerdict(result) {
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

export function onCameraRead(text) {
  scan({ token: text.trim() });
}

export async function startCamera() {
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

export function stopCamera() {
  state.camera?.stop();
  $("camera").hidden = true;
  $("camera-start").hidden = false;
  $("camera-stop").hidden = true;
  $("camera-next").hidden = true;
}

export function nextPass() {
  $("camera-next").hidden = true;
  $("verdict").className = "verdict";
  $("verdict").replaceChildren();
  state.camera?.resume();
}

export async function submitManual(event) {
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

// A session the service no longer knows (signed out elsewhere, the device disabled).
export async function signedOut() {
  state.session = null;
  stopCamera();
  await store.setMeta("session", null);
  show("signin");
}
