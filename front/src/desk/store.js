// What the desk keeps on the phone, in IndexedDB (it survives a restart and works offline):
//   meta     the session (who, which site, which device), the site's rules, the JWKS and the
//            revocation list with its `since` — nothing secret: the device's token stays in its
//            HttpOnly cookie, out of reach of any script
//   scanned  the passes this phone has seen used here (jti → when, device)
//   queue    the uses accepted offline, waiting for /api/v1/redemptions/sync
//   results  what the service answered to each synced use (kept for the desk to read)
import { openDB } from "idb";

const dbPromise = openDB("tbc-desk", 1, {
  upgrade(db) {
    db.createObjectStore("meta");
    db.createObjectStore("scanned", { keyPath: "jti" });
    db.createObjectStore("queue", { keyPath: "nonce" });
    db.createObjectStore("results", { keyPath: "nonce" });
  },
});

export async function getMeta(key) {
  return (await dbPromise).get("meta", key);
}

export async function setMeta(key, value) {
  return (await dbPromise).put("meta", value, key);
}

export async function scannedHere(jti) {
  return (await dbPromise).get("scanned", jti);
}

// The pass's first use here (when, which desk) and how many of its persons are in so far.
export async function rememberScan(jti, when, device, admitted) {
  const db = await dbPromise;
  const known = await db.get("scanned", jti);
  if (!known) {
    await db.put("scanned", { jti, when, device, admitted });
  } else if (admitted > (known.admitted ?? 0)) {
    await db.put("scanned", { ...known, admitted });
  }
}

export async function enqueue(item) {
  return (await dbPromise).put("queue", item);
}

export async function queued() {
  return (await dbPromise).getAll("queue");
}

export async function queueSize() {
  return (await dbPromise).count("queue");
}

// The service answered: the item leaves the queue and its result is kept, in one transaction.
export async function settle(result, item) {
  const tx = (await dbPromise).transaction(["queue", "results"], "readwrite");
  await Promise.all([tx.objectStore("queue").delete(item.nonce), tx.objectStore("results").put({ ...result, item }), tx.done]);
}

export async function results() {
  return (await dbPromise).getAll("results");
}

// Signing out of a desk forgets its passes and answers, but never a use not yet sent.
export async function forgetAllButQueue() {
  const db = await dbPromise;
  await Promise.all([db.clear("meta"), db.clear("scanned"), db.clear("results")]);
}
