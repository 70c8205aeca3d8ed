/**
 * Scanning the headset's QR code with the desk computer's camera, where the browser can (the
 * Barcode Detection API; elsewhere the clinician types the code). The QR holds the staff page's
 * address with `?pair=<code>`: only the code is taken from it, checked with the shared schema,
 * and never followed as a link.
 */
import { userCodeSchema } from "../../shared/pairing.ts";

/** The pairing code in a scanned QR text, or null if it holds none. */
export function pairCodeFromQr(text: string): string | null {
  let candidate: string | null = null;
  try {
    candidate = new URL(text).searchParams.get("pair");
  } catch {
    candidate = text;
  }
  if (candidate === null) return null;
  const parsed = userCodeSchema.safeParse(candidate);
  return parsed.success ? parsed.data : null;
}

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorCtor = new (opts: { formats: string[] }) => BarcodeDetectorLike;

const SCAN_EVERY_MS = 300;

/** The camera scanner, if this browser has a camera API and a QR detector. */
export function canScan(): boolean {
  return "BarcodeDetector" in window && typeof navigator.mediaDevices?.getUserMedia === "function";
}

export class PairingScanner {
  readonly video: HTMLVideoElement;
  private stream: MediaStream | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    this.video = document.createElement("video");
    this.video.className = "cp-scan-video";
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.dataset.testid = "pair-scan-video";
  }

  /** Opens the camera and calls `onCode` once with the first pairing code seen; rejects if no camera. */
  async startAsync(onCode: (code: string) => void): Promise<void> {
    const Detector = (window as unknown as { BarcodeDetector: BarcodeDetectorCtor }).BarcodeDetector;
    const detector = new Detector({ formats: ["qr_code"] });
    this.stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment" },
      audio: false,
    });
    this.video.srcObject = this.stream;
    await this.video.play();
    const look = async () => {
      this.timer = null;
      if (!this.stream) return;
      const found = await detector.detect(this.video).catch(() => []);
      for (const barcode of found) {
        const code = pairCodeFromQr(barcode.rawValue);
        if (code) {
          this.stop();
          onCode(code);
          return;
        }
      }
      this.timer = setTimeout(() => void look(), SCAN_EVERY_MS);
    };
    void look();
  }

  /** Turns the camera off. */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }
}
