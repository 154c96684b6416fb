// What the desk keeps up to date while online: keys, revocations, the queue, conflicts, bookings.
import { refreshFigures } from "./figures.js";
import { display } from "./codes.js";
import * as store from "./store.js";
import { peek } from "./token.js";
import { Offline, call as api } from "../lib/api.js";
import { $, SYNC_BATCH, el, hour, online, renderBar, root, state, t, when } from "./page.js";
import { replaceShownVerdict, signedOut } from "./scan.js";

// ---- keys, revocations, queue ----------------------------------------------------------

export async function refreshKeys() {
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
export function syncItem({ nonce, token, code, persons, scanned_at }) {
  return Object.fromEntries(Object.entries({ nonce, token, code, persons, scanned_at }).filter(([, v]) => v !== undefined));
}

export async function sync() {
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

export function resultText(result) {
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

export async function renderResults() {
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

/** What `path` answers now, kept under `key` for offline use; offline (or refused), what was kept. */
export async function fetchedOrKept(key, path) {
  try {
    const answer = await api(path);
    if (answer.ok) {
      await store.setMeta(key, answer.data);
      return answer.data;
    }
  } catch (error) {
    if (!(error instanceof Offline)) {
      throw error;
    }
  }
  return store.getMeta(key);
}

export async function refreshConflicts() {
  const conflicts = (await fetchedOrKept("conflicts", "/api/v1/redemptions/conflicts")) ?? [];
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

export async function refreshBookings() {
  if (!state.site?.bookable) {
    return;
  }
  $("bookings").hidden = false;
  const slots = await fetchedOrKept("bookings", "/api/v1/bookings/today");
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

export async function issueAttestation(event) {
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
export async function whileOnline() {
  await renderBar();
  if (!online() || !state.session) {
    return;
  }
  for (const task of [refreshKeys, sync, refreshBookings, refreshConflicts, refreshFigures]) {
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
