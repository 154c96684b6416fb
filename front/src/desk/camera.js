// The phone's back camera, read for QR codes: the browser's BarcodeDetector where it has one
// (Android Chrome, Safari 17+), else jsQR on frames drawn to a canvas (loaded only then).

const FRAME_INTERVAL_MS = 150; // enough for a desk, and gentle on a cheap phone's battery

async function makeDecoder() {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
      }
    } catch {
      // fall through to the library
    }
  }
  const reader = await import("./qr.js");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (video) => {
    if (!video.videoWidth) {
      return null;
    }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0);
    return reader.decode(context.getImageData(0, 0, canvas.width, canvas.height));
  };
}

export class Camera {
  constructor(video, onRead) {
    this.video = video;
    this.onRead = onRead;
    this.stream = null;
    this.reading = false;
    this.timer = null;
  }

  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    this.video.srcObject = this.stream;
    await this.video.play();
    this.decode = await makeDecoder();
    this.resume();
  }

  // Read until one code is found; then wait for resume() (« the next pass »).
  resume() {
    this.reading = true;
    this.tick();
  }

  async tick() {
    if (!this.reading || !this.stream) {
      return;
    }
    let text = null;
    try {
      text = await this.decode(this.video);
    } catch {
      text = null;
    }
    if (text && this.reading) {
      this.reading = false;
      this.onRead(text);
      return;
    }
    this.timer = setTimeout(() => this.tick(), FRAME_INTERVAL_MS);
  }

  stop() {
    this.reading = false;
    clearTimeout(this.timer);
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.video.srcObject = null;
  }
}
