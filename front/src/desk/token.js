// The pass token (a compact EdDSA JWT), checked without network: the signature against the
// cached JWKS, then issuer, audience and validity window, as service/passes/tokens.py does.
// WebCrypto's Ed25519 first (Chrome 137+, Safari 17+, Firefox 129+); older phones fall back to
// @noble/ed25519, loaded only then.

const LEEWAY_SECONDS = 60; // as the service: desks' clocks drift a little
const MODES = { t: "train", b: "bus", v: "bike" };
const CONFIDENCES = { p: "plausible", v: "verified" };

export class TokenRefused extends Error {
  constructor(reason, claims = null) {
    super(reason);
    this.reason = reason; // invalid | expired | not_yet_valid | no_keys
    this.claims = claims;
  }
}

function base64urlBytes(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) {
    throw new TokenRefused("invalid");
  }
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function jsonPart(text) {
  try {
    return JSON.parse(new TextDecoder().decode(base64urlBytes(text)));
  } catch (error) {
    throw error instanceof TokenRefused ? error : new TokenRefused("invalid");
  }
}

// What a token says, unverified: for the persons field and the desk's own list.
export function peek(token) {
  const parts = token.split(".");
  if (parts.length !== 3) {
    throw new TokenRefused("invalid");
  }
  return claimsOf(jsonPart(parts[1]));
}

function claimsOf(payload) {
  const { jti, p, m, c, nbf, exp } = payload;
  if (typeof jti !== "string" || !Number.isInteger(p) || !(m in MODES) || !(c in CONFIDENCES)) {
    throw new TokenRefused("invalid");
  }
  if (!Number.isInteger(nbf) || !Number.isInteger(exp)) {
    throw new TokenRefused("invalid");
  }
  return { code: jti, persons: p, mode: MODES[m], confidence: CONFIDENCES[c], validFrom: nbf, validUntil: exp };
}

async function webCryptoVerify(jwk, signature, data) {
  const key = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, [
    "verify",
  ]);
  return crypto.subtle.verify({ name: "Ed25519" }, key, signature, data);
}

async function signatureHolds(jwk, signature, data) {
  try {
    return await webCryptoVerify(jwk, signature, data);
  } catch (error) {
    if (error?.name !== "NotSupportedError" && !(error instanceof TypeError)) {
      return false;
    }
  }
  const noble = await import("@noble/ed25519");
  try {
    return await noble.verifyAsync(signature, data, base64urlBytes(jwk.x));
  } catch {
    return false;
  }
}

// The claims of a genuine token valid at `nowSeconds`; TokenRefused otherwise.
export async function verifyOffline(token, jwks, { issuer, audience, nowSeconds }) {
  const parts = token.split(".");
  if (parts.length !== 3) {
    throw new TokenRefused("invalid");
  }
  const header = jsonPart(parts[0]);
  if (header.alg !== "EdDSA" || typeof header.kid !== "string") {
    throw new TokenRefused("invalid");
  }
  if (!jwks?.keys?.length) {
    throw new TokenRefused("no_keys");
  }
  const jwk = jwks.keys.find((key) => key.kid === header.kid && key.kty === "OKP" && key.crv === "Ed25519");
  if (!jwk) {
    throw new TokenRefused("invalid");
  }
  const data = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  if (!(await signatureHolds(jwk, base64urlBytes(parts[2]), data))) {
    throw new TokenRefused("invalid");
  }
  const payload = jsonPart(parts[1]);
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (payload.iss !== issuer || !audiences.includes(audience)) {
    throw new TokenRefused("invalid");
  }
  const claims = claimsOf(payload);
  if (nowSeconds > claims.validUntil + LEEWAY_SECONDS) {
    throw new TokenRefused("expired", claims);
  }
  if (nowSeconds < claims.validFrom - LEEWAY_SECONDS) {
    throw new TokenRefused("not_yet_valid", claims);
  }
  return claims;
}
