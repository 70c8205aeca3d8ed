/** Small shared DOM pieces of the room page: the connection badge and the fatal message. */
import type { ConnectRefusal } from "../../shared/protocol.ts";
import type { LinkState } from "../connection.ts";

export function showFatal(root: HTMLElement, title: string, detail: string): void {
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
  box.append(h, p, a);
  root.replaceChildren(box);
}

export function linkBadge(): { el: HTMLElement; set(state: LinkState, refusal?: ConnectRefusal): void } {
  const el = document.createElement("div");
  el.className = "link-badge";
  el.dataset.testid = "link-state";
  const labels: Record<LinkState, string> = {
    connecting: "Connecting…",
    connected: "Live",
    reconnecting: "Reconnecting…",
    refused: "Not admitted",
  };
  return {
    el,
    set(state, refusal) {
      el.dataset.state = state;
      el.textContent = refusal ? `${labels[state]}: ${refusal.message}` : labels[state];
    },
  };
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
