/**
 * Entry point of headset.html, the page a patient's headset opens: it asks the server for a
 * pairing code, shows it large with a QR code, and polls until the clinician pairs it to an
 * appointment (RFC 8628). The credential arrives as an HttpOnly cookie with the approving poll;
 * this page never sees it. Then it goes on to the treatment room, where the patient enters VR.
 */
import QRCode from "qrcode";
import type { ApiError } from "../../shared/apiErrors.ts";
import type { HeadsetCode, HeadsetPoll } from "../../shared/pairing.ts";
import { nextStep, pairingUrl, roomUrl, spacedCode } from "./pollPlan.ts";

/** When the server cannot be reached, try again after this long. */
const OFFLINE_RETRY_MS = 5_000;

const codeEl = document.querySelector<HTMLElement>('[data-testid="user-code"]')!;
const qrEl = document.querySelector<HTMLElement>('[data-testid="pairing-qr"]')!;
const statusEl = document.querySelector<HTMLElement>('[data-testid="pairing-status"]')!;

type Answer<T> = { ok: true; value: T } | { ok: false; retryAfterMs: number; message: string };

async function postJson<T>(path: string, body: unknown): Promise<Answer<T>> {
  try {
    const res = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    if (res.ok) return { ok: true, value: (await res.json()) as T };
    const error = ((await res.json().catch(() => null)) as ApiError | null)?.error;
    return {
      ok: false,
      retryAfterMs: error?.retryAfterMs ?? OFFLINE_RETRY_MS,
      message: error?.message ?? `The server answered ${res.status}.`,
    };
  } catch {
    return { ok: false, retryAfterMs: OFFLINE_RETRY_MS, message: "Cannot reach the clinic's server." };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setStatus(text: string, tone: "waiting" | "problem" | "done" = "waiting"): void {
  statusEl.textContent = text;
  statusEl.dataset.tone = tone;
}

async function showCode(code: HeadsetCode): Promise<void> {
  codeEl.textContent = spacedCode(code.userCode);
  codeEl.dataset.code = code.userCode;
  // An SVG drawn here from our own data: no image request, nothing from another origin.
  qrEl.innerHTML = await QRCode.toString(pairingUrl(location.origin, code.userCode), {
    type: "svg",
    margin: 1,
    errorCorrectionLevel: "M",
    color: { dark: "#0c2a33", light: "#ffffff" },
  });
}

async function newCodeAsync(): Promise<HeadsetCode> {
  for (;;) {
    const answer = await postJson<HeadsetCode>("/api/headset/code", {});
    if (answer.ok) return answer.value;
    setStatus(`${answer.message} Trying again…`, "problem");
    await sleep(answer.retryAfterMs);
  }
}

async function pairAsync(): Promise<void> {
  let code = await newCodeAsync();
  await showCode(code);
  setStatus("Waiting for your dentist…");
  let waitMs = code.interval * 1000;
  for (;;) {
    await sleep(waitMs);
    const answer = await postJson<HeadsetPoll>("/api/headset/token", { deviceCode: code.deviceCode });
    if (!answer.ok) {
      setStatus(`${answer.message} Trying again…`, "problem");
      waitMs = answer.retryAfterMs;
      continue;
    }
    const step = nextStep(answer.value);
    switch (step.kind) {
      case "poll":
        if (statusEl.dataset.tone === "problem") setStatus("Waiting for your dentist…");
        waitMs = step.afterMs;
        break;
      case "new_code":
        setStatus(step.why);
        await sleep(step.afterMs);
        code = await newCodeAsync();
        await showCode(code);
        waitMs = code.interval * 1000;
        break;
      case "enter":
        setStatus("Paired. Opening your treatment room…", "done");
        // replace(): going back must not land on a spent code.
        location.replace(roomUrl(step.appointmentId, location.search));
        return;
    }
  }
}

pairAsync().catch((error: unknown) => {
  console.error(error);
  setStatus("Something went wrong. Reload this page to get a new code.", "problem");
});
