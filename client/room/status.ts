/**
 * Small shared DOM pieces of the room page: the link badge, the full-page notices that replace a
 * page which cannot be live (seat taken by another window, link refused) and the fatal message.
 */
import type { LinkStatus } from "../connection.ts";

/** `signIn`: the page needs a signed-in staff member (offers the sign-in page beside the start page). */
export function showFatal(root: HTMLElement, title: string, detail: string, signIn = false): void {
  const box = document.createElement("div");
  box.className = "fatal";
  box.dataset.testid = "fatal";
  const h = document.createElement("h1");
  h.textContent = title;
  const p = document.createElement("p");
  p.textContent = detail;
  const a = document.createElement("a");
  a.href = "/";
  a.textContent = "Back to the start page";
  box.append(h, p);
  if (signIn) {
    const sign = document.createElement("a");
    sign.href = `/signin.html?next=${encodeURIComponent(location.pathname + location.search)}`;
    sign.className = "btn primary";
    sign.dataset.testid = "sign-in";
    sign.textContent = "Sign in";
    box.append(sign, document.createTextNode(" "));
  }
  box.append(a);
  root.replaceChildren(box);
}

/** The badge's words for each link state. */
export function linkText(status: LinkStatus): string {
  switch (status.kind) {
    case "connecting":
      return "Connecting…";
    case "connected":
      return "Live";
    case "reconnecting": {
      const wait = status.refusal ? ` (not admitted for now: ${status.refusal.message})` : "";
      return status.retryInMs >= 5_000
        ? `Reconnecting in ${Math.round(status.retryInMs / 1000)} s${wait}`
        : `Reconnecting…${wait}`;
    }
    case "refused":
      return `Not admitted: ${status.refusal.message}`;
    case "replaced":
      return "Open in another window";
    case "closed":
      return "Left the room";
  }
}

/**
 * Shows the link state: the badge on the page, and a full page instead of the room where the page
 * cannot be live (the seat is open in another window, or the link was refused for good).
 */
export class LinkPresenter {
  readonly badge: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly title: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly useHere: HTMLButtonElement;
  private readonly back: HTMLAnchorElement;

  constructor(
    private readonly app: HTMLElement,
    onUseHere: () => void,
  ) {
    this.badge = document.createElement("div");
    this.badge.className = "link-badge";
    this.badge.dataset.testid = "link-state";
    this.badge.setAttribute("role", "status");
    this.notice = document.createElement("section");
    this.notice.className = "seat-notice";
    this.notice.dataset.testid = "seat-notice";
    this.notice.hidden = true;
    this.title = document.createElement("h1");
    this.detail = document.createElement("p");
    this.useHere = document.createElement("button");
    this.useHere.type = "button";
    this.useHere.className = "btn primary";
    this.useHere.dataset.testid = "use-here";
    this.useHere.textContent = "Use it here";
    this.useHere.addEventListener("click", onUseHere);
    // A refused page always has a way back: nothing here can be retried from this page.
    this.back = document.createElement("a");
    this.back.href = "/";
    this.back.className = "btn secondary";
    this.back.dataset.testid = "seat-notice-back";
    this.back.textContent = "Back to the start page";
    this.notice.append(this.title, this.detail, this.useHere, document.createTextNode(" "), this.back);
    app.after(this.notice);
  }

  set(status: LinkStatus): void {
    this.badge.dataset.state = status.kind;
    this.badge.textContent = linkText(status);
    const page = fullPageFor(status);
    // Nothing of the room stays on screen where it cannot be live: no STOP, no stale panels.
    this.app.hidden = page !== null;
    this.notice.hidden = page === null;
    this.notice.dataset.kind = status.kind;
    if (!page) return;
    this.title.textContent = page.title;
    this.detail.textContent = page.detail;
    this.useHere.hidden = !page.useHere;
    this.back.hidden = page.useHere;
  }
}

function fullPageFor(status: LinkStatus): { title: string; detail: string; useHere: boolean } | null {
  switch (status.kind) {
    case "replaced":
      return {
        title: "This seat is open in another window",
        detail:
          "You joined this room from another window or device, and that one is live now. This window shows and sends nothing.",
        useHere: true,
      };
    case "refused":
      return {
        title: "This link does not open the room any more",
        detail: `${status.refusal.message} Ask the clinic for a new link, or start again from the start page.`,
        useHere: false,
      };
    default:
      return null;
  }
}

/** Installs the IWER Quest emulator before Babylon loads, when the URL asks for it (tests, demos without a headset). */
export async function maybeEmulateXRAsync(): Promise<unknown> {
  if (new URLSearchParams(location.search).get("xr") !== "emulate") return null;
  const { XRDevice, metaQuest3 } = await import("iwer");
  const device = new XRDevice(metaQuest3);
  device.installRuntime({ forceInstall: true });
  return device;
}

/** `?quality=low` renders without shadows and glow at a lower resolution (slow GPUs, software rendering). */
export function qualityFromUrl(): "high" | "low" {
  return new URLSearchParams(location.search).get("quality") === "low" ? "low" : "high";
}
