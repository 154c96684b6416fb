// The pass page. The token arrives in the URL fragment (never sent to a server),
// is kept on this device (localStorage) with the pass's last known state and its
// QR, and the page opens again without a network (the service worker keeps the
// page and its assets; this script keeps the pass).
import { forgetReview, keptReviews } from "./kept-reviews.js";
import { Refusal, json, text } from "./lib/api.js";
import { formatters } from "./lib/locale.js";

const STORE = "tbc.passes";
const CURRENT = "tbc.pass.current";
const PAGE_CACHE = "tbc-pass-pages-v1";

const words = JSON.parse(document.getElementById("pass-words").textContent);
const lang = words.lang;
const $ = (id) => document.getElementById(id);

const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));

function readStore() {
  try {
    return JSON.parse(localStorage.getItem(STORE)) || {};
  } catch {
    return {};
  }
}

function save(code, record) {
  const all = readStore();
  all[code] = { ...all[code], ...record };
  try {
    localStorage.setItem(STORE, JSON.stringify(all));
    localStorage.setItem(CURRENT, code);
  } catch {
    // storage full or refused: the pass still shows, it will not open offline
  }
  return all[code];
}

function codeOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).jti;
  } catch {
    return null;
  }
}

function currentToken() {
  const fromUrl = decodeURIComponent(window.location.hash.slice(1));
  if (fromUrl && codeOf(fromUrl)) return fromUrl;
  // a pass just issued (the claim form's answer): its address becomes the pass page's,
  // the token in the fragment, so that a reload or a bookmark opens the pass
  const issued = document.getElementById("pass").dataset.token;
  if (issued && codeOf(issued)) {
    history.replaceState(null, "", `/pass?lang=${lang}#${issued}`);
    // the language switch was made for the form's address: it leads to the pass page now
    for (const link of document.querySelectorAll("a[hreflang]")) {
      const url = new URL(link.href);
      url.pathname = "/pass";
      link.href = url.href;
    }
    for (const hint of document.querySelectorAll("[data-nojs]")) hint.hidden = true;
    return issued;
  }
  const code = localStorage.getItem(CURRENT);
  return code ? readStore()[code]?.token ?? null : null;
}

const format = formatters(lang, words.timezone);
const moment = format.fullMoment;
const day = format.moment;
const slotTime = format.time;
// The Lot's day as YYYY-MM-DD, whatever the phone's own time zone.
const isoDay = format.isoDay;

function setState(message, kind = "") {
  const state = $("pass-state");
  state.textContent = message;
  state.className = `notice${kind ? ` notice--${kind}` : ""}`;
  state.hidden = !message;
}

function item(...children) {
  const li = document.createElement("li");
  li.append(...children);
  return li;
}

function strong(text) {
  const element = document.createElement("strong");
  element.textContent = text;
  return element;
}

// What a site's hours say of today (the server read them in the Lot's day).
function todayLine(today) {
  if (today.state === "open" && today.spans.length) {
    return fill(words.open_today_hours, { hours: today.spans.map(([opens, closes]) => `${opens}–${closes}`).join(", ") });
  }
  return today.state === "open" ? words.open_today : words.closed_today;
}

function siteItem(site) {
  const link = document.createElement("a");
  link.href = `/sites/${encodeURIComponent(site.id)}?lang=${lang}`;
  link.append(strong(site.name));
  const offer = document.createElement("span");
  offer.lang = "fr"; // partners write their offers in French
  offer.textContent = site.offer?.label ? ` — ${site.offer.label}` : "";
  const booking = site.booking_required ? words.booking_needed : site.bookable ? words.booking_possible : "";
  // hours the SIT never gave say nothing worth a line on every site
  const facts = site.today.state === "unknown" ? [] : [todayLine(site.today)];
  if (site.km !== null && site.km !== undefined) {
    facts.push(fill(words.km_away, { km: format.number(site.km, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) }));
  }
  if (booking) facts.push(booking);
  return item(link, offer, facts.length ? ` · ${facts.join(" · ")}` : "");
}

// « Ajouter à Apple Wallet / Google Wallet »: links signed for an hour by the pass answer,
// so not offered from a copy kept offline. Google's answers with a redirect to its save link.
function showWallets(wallet, offline) {
  let any = false;
  for (const kind of ["apple", "google"]) {
    const link = !offline && wallet?.[kind];
    const item = $(`pass-wallet-${kind}`);
    item.hidden = !link;
    if (link) item.querySelector("a").href = kind === "google" ? `${link}&go=1` : link;
    any ||= Boolean(link);
  }
  $("pass-wallet").hidden = !any;
}

function render(record, offline) {
  const { pass, qr } = record;
  $("pass").hidden = false;
  $("pass-none").hidden = true;
  if (qr) $("pass-qr").src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(qr)}`;
  $("pass-code").textContent = pass.code_display;
  $("pass-status").textContent = words.status[pass.status] || pass.status;
  $("pass-persons").textContent = fill(pass.persons > 1 ? words.persons_many : words.persons_one, { count: pass.persons });
  $("pass-from").textContent = moment.format(new Date(pass.valid_from));
  // a validity ends at midnight: the last minute of the day before reads right
  $("pass-until").textContent = moment.format(new Date(new Date(pass.valid_until).getTime() - 60_000));
  const kg = pass.co2_avoided_kg;
  const number = format.number(kg, { maximumFractionDigits: kg < 10 ? 1 : 0 });
  $("pass-co2").textContent = fill(words.co2, { kg: number });

  showWallets(pass.wallet, offline);

  const usable = pass.sites_today ?? [];
  $("pass-sites").replaceChildren(...usable.map(siteItem));

  $("pass-uses").replaceChildren(
    ...(pass.redemptions.length
      ? pass.redemptions.map((use) => {
          // how many of the pass's persons went in at that visit
          const persons = fill(use.persons > 1 ? words.persons_many : words.persons_one, { count: use.persons });
          return item(strong(use.site_name), ` — ${day.format(new Date(use.redeemed_at))} · ${persons}`);
        })
      : [item(words.no_uses)]),
  );

  $("pass-bookings").replaceChildren(
    ...(pass.bookings.length
      ? pass.bookings.map((booking) => {
          const when = `${day.format(new Date(booking.starts_at))}–${slotTime.format(new Date(booking.ends_at))}`;
          const cancel = document.createElement("button");
          cancel.type = "button";
          cancel.className = "button button--small";
          cancel.textContent = words.cancel;
          cancel.setAttribute("aria-label", fill(words.cancel_named, { site: booking.site_name, when }));
          cancel.disabled = offline;
          cancel.addEventListener("click", () => cancelBooking(booking.id));
          return item(strong(booking.site_name), ` — ${when} `, cancel);
        })
      : [item(words.no_bookings)]),
  );

  const bookable = usable.filter((site) => site.bookable);
  const form = $("booking-form");
  form.hidden = bookable.length === 0;
  const select = $("booking-site");
  const chosen = select.value;
  select.replaceChildren(
    ...bookable.map((site) => {
      const option = document.createElement("option");
      option.value = site.id;
      option.textContent = site.name;
      return option;
    }),
  );
  if (chosen) select.value = chosen;
  if (!$("booking-date").value) $("booking-date").value = isoDay(new Date());
  for (const control of form.querySelectorAll("button, select, input")) control.disabled = offline;
}

let token = null;

// The proofs this phone sent for a person to check: one approved since gives its pass
// here; the others say where they are.
async function followReviews() {
  const shown = [];
  for (const kept of keptReviews()) {
    let answer;
    try {
      answer = await json(`/api/v1/claims/review/${encodeURIComponent(kept.id)}`);
    } catch (error) {
      if (error instanceof Refusal && error.status === 404) forgetReview(kept.id);
      continue;
    }
    if (answer.pass?.token) {
      forgetReview(kept.id);
      return answer.pass.token;
    }
    const link = document.createElement("a");
    link.href = `/review/${encodeURIComponent(kept.id)}?lang=${lang}`;
    link.textContent = words.review_open;
    const sentOn = kept.sent_on ? day.format(new Date(kept.sent_on)) : "";
    const said = answer.review.status === "pending" ? words.review_pending : words.review_rejected;
    shown.push(item(`${fill(said, { day: sentOn })} `, link));
  }
  $("pass-review-list").replaceChildren(...shown);
  $("pass-reviews").hidden = shown.length === 0;
  return null;
}

async function load() {
  token = currentToken();
  if (!token) {
    setState(words.no_pass);
    $("pass-none").hidden = false;
    const approved = await followReviews();
    if (!approved) return;
    window.location.hash = approved; // opens it as a link with its token would, and keeps it
    return;
  }
  const code = codeOf(token);
  const kept = readStore()[code];
  save(code, { token });
  try {
    const pass = await json(`/api/v1/passes/${encodeURIComponent(code)}`, { bearer: token });
    const qr = kept?.qr ?? (await text(`/api/v1/passes/${encodeURIComponent(code)}/qr.svg`, { bearer: token }));
    render(save(code, { pass, qr, saved_at: new Date().toISOString() }), false);
    setState("");
    keepForOffline();
  } catch (error) {
    if (error instanceof Refusal && error.status < 500) {
      setState(`${words.refused} ${error.message}`, "error");
      return;
    }
    if (kept?.pass) {
      render(kept, true);
      setState(words.offline, "offline");
    } else {
      setState(words.refused + " " + error.message, "error");
    }
  }
}

async function keepForOffline() {
  if (!("serviceWorker" in navigator) || !("caches" in window)) return;
  try {
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    await navigator.serviceWorker.ready;
    // What this page loaded before the worker was there: the page itself and its assets.
    const assets = performance
      .getEntriesByType("resource")
      .map((entry) => new URL(entry.name))
      .filter((url) => url.origin === location.origin && url.pathname.startsWith("/static/"))
      .map((url) => url.pathname);
    const cache = await caches.open(PAGE_CACHE);
    await cache.addAll([location.pathname + location.search, ...new Set(assets), "/icon.svg"]);
    document.documentElement.dataset.offlineReady = "true";
  } catch {
    // no worker (private mode, old browser): the pass works online
  }
}

async function showSlots(event) {
  event.preventDefault();
  const state = $("booking-state");
  const site = $("booking-site").value;
  const date = $("booking-date").value;
  state.textContent = "";
  try {
    const slots = await json(`/api/v1/sites/${encodeURIComponent(site)}/slots?date=${date}`);
    // a slot already begun cannot be booked any more (the service would refuse it)
    const open = slots.filter((slot) => slot.remaining > 0 && Date.parse(slot.start) > Date.now());
    $("slots").replaceChildren(
      ...open.map((slot) => {
        const when = `${slotTime.format(new Date(slot.start))}–${slotTime.format(new Date(slot.end))}`;
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button button--small";
        button.textContent = words.book;
        button.setAttribute("aria-label", fill(words.book_named, { when, remaining: slot.remaining }));
        button.addEventListener("click", () => book(slot.id));
        return item(`${when} · ${fill(words.places, { count: slot.remaining })} `, button);
      }),
    );
    if (!open.length) state.textContent = words.no_slots;
  } catch (error) {
    state.textContent = error.message;
  }
}

async function book(slotId) {
  const state = $("booking-state");
  const pass = readStore()[codeOf(token)]?.pass;
  try {
    await json("/api/v1/bookings", {
      method: "POST",
      body: { token, slot_id: slotId, persons: pass?.persons ?? 1 },
    });
    $("slots").replaceChildren();
    await load();
    state.textContent = words.booked;
  } catch (error) {
    state.textContent = error.message;
  }
}

async function cancelBooking(bookingId) {
  const state = $("booking-state");
  try {
    await json(`/api/v1/bookings/${bookingId}`, { method: "DELETE", bearer: token });
    await load();
    state.textContent = words.cancelled;
  } catch (error) {
    state.textContent = error.message;
  }
}

$("booking-form").addEventListener("submit", showSlots);
window.addEventListener("hashchange", load);
load();

// « Mes données »: the copy downloaded as a file, the erasure once the person ticked the box;
// both with the pass token, and an erased pass leaves this phone too.
async function downloadData() {
  const code = codeOf(token);
  try {
    const held = await json(`/api/v1/passes/${encodeURIComponent(code)}/data`, { bearer: token });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([JSON.stringify(held, null, 2)], { type: "application/json" }));
    link.download = `tarif-bas-carbone-${code}.json`;
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) {
    $("pass-data-state").textContent = `${words.refused} ${error.message}`;
  }
}

async function erase(event) {
  event.preventDefault();
  const form = event.currentTarget;
  if (!form.elements.confirm.checked) {
    $("pass-data-state").textContent = words.confirm_first;
    form.elements.confirm.focus();
    return;
  }
  const code = codeOf(token);
  try {
    await json(`/api/v1/passes/${encodeURIComponent(code)}`, { method: "DELETE", bearer: token });
  } catch (error) {
    $("pass-data-state").textContent = `${words.refused} ${error.message}`;
    return;
  }
  const all = readStore();
  delete all[code];
  localStorage.setItem(STORE, JSON.stringify(all));
  localStorage.removeItem(CURRENT);
  $("pass-data-state").textContent = words.erased;
  form.hidden = true;
  $("pass-qr").removeAttribute("src");
  $("pass-wallet").hidden = true;
}

$("pass-data-download")?.addEventListener("click", downloadData);
$("pass-erase")?.addEventListener("submit", erase);
