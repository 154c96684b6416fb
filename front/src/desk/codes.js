// Pass codes as typed at the desk: the port of service/passes/codes.py (a test holds the two
// together). 32 symbols without 0/O and 1/I, nine random ones and a Luhn mod 32 check symbol,
// so a mistyped code is caught here, before anything is sent.

export const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
export const LENGTH = 10;
const SEPARATORS = /[\s\-_.]/g;

export function checkSymbol(body) {
  const n = ALPHABET.length;
  let total = 0;
  let factor = 2;
  for (let i = body.length - 1; i >= 0; i -= 1) {
    let addend = factor * ALPHABET.indexOf(body[i]);
    addend = Math.floor(addend / n) + (addend % n);
    total += addend;
    factor = factor === 2 ? 1 : 2;
  }
  return ALPHABET[(n - (total % n)) % n];
}

// {code} for a well-typed code, else {error: "length" | "typo", length}.
export function readCode(typed, length = LENGTH) {
  const candidate = typed.replace(SEPARATORS, "").toUpperCase();
  if (candidate.length !== length) {
    return { error: "length", length: candidate.length };
  }
  if ([...candidate].some((symbol) => !ALPHABET.includes(symbol))) {
    return { error: "typo" };
  }
  if (checkSymbol(candidate.slice(0, -1)) !== candidate.slice(-1)) {
    return { error: "typo" };
  }
  return { code: candidate };
}

export function normalise(typed, length = LENGTH) {
  return readCode(typed, length).code ?? null;
}

export function display(code) {
  return code.match(/.{1,4}/g).join("-");
}
