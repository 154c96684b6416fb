// The fallback QR reader where the browser has no BarcodeDetector (Chromium on Linux, Firefox,
// older Safari): jsQR, pure JavaScript (no WebAssembly, so the page's CSP stays strict).
// ZXing's JavaScript port was tried first; its detector missed our dense pass QR codes
// (version 11–12) that jsQR and zxing-cpp read.
import jsQR from "jsqr";

export function decode(imageData) {
  const found = jsQR(imageData.data, imageData.width, imageData.height, { inversionAttempts: "dontInvert" });
  return found?.data || null;
}
