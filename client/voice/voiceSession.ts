/**
 * One page's voice: the mesh (voiceMesh.ts) fed by a signalling socket that speaks the VoiceEv
 * events (the treatment room's /voice namespace, or the support group's own), the voice strip, the
 * speaking rings and the spatial placement from the 3D scene. It exposes its state for the
 * end-to-end tests as `window.__chairsideVoice`.
 */

import { EngineStore } from "@babylonjs/core/Engines/engineStore.js";
import type { Scene } from "@babylonjs/core/scene.js";
import {
  type VoiceClientToServerEvents,
  VoiceEv,
  type VoiceServerToClientEvents,
} from "../../shared/protocol.ts";
import type { VoicePeer } from "../../shared/voice.ts";
import { SpeakingIndicators } from "./speakingIndicator.ts";
import { VoiceBar, type VoiceCorner } from "./voiceBar.ts";
import { type PeerStats, VoiceMesh } from "./voiceMesh.ts";

/** The part of a Socket.IO client socket voice uses. */
export interface VoiceSocket {
  on<E extends keyof VoiceServerToClientEvents>(event: E, listener: VoiceServerToClientEvents[E]): unknown;
  emit<E extends keyof VoiceClientToServerEvents>(
    event: E,
    ...args: Parameters<VoiceClientToServerEvents[E]>
  ): unknown;
}

export interface VoiceTestState {
  you: string | null;
  /** This page's voice connection (VoicePeer.line as the others see it); null while off the line. */
  line: number | null;
  muted: boolean;
  /** Muted by the support group's host (the page cannot turn the microphone on). */
  heldByHost: boolean;
  error: string | null;
  peers: {
    memberId: string;
    label: string;
    muted: boolean;
    line: number;
    speaking: boolean;
    /** The louder of what the audio graph hears and what was received (0..1). */
    level: number;
  }[];
  selfSpeaking: boolean;
  stats: Record<string, PeerStats>;
  rings: Record<string, boolean>;
  /** What happened lately on the line and to the calls (newest last), to read when a test fails. */
  log: string[];
}

declare global {
  interface Window {
    __chairsideVoice?: () => VoiceTestState;
  }
}

const TICK_MS = 100;

export class VoiceSession {
  private mesh: VoiceMesh | null = null;
  private peers: VoicePeer[] = [];
  private you: string | null = null;
  private line: number | null = null;
  /** The person's own choice of microphone, kept across a new line. */
  private wantMuted = false;
  private readonly log: string[] = [];
  private error: string | null = null;
  private heldByHost = false;
  private stats: VoiceTestState["stats"] = {};
  private readonly speaking = new Set<string>();
  private selfSpeaking = false;
  private indicators: SpeakingIndicators | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  readonly bar: VoiceBar;

  constructor(
    private readonly socket: VoiceSocket,
    host: HTMLElement,
    corner: VoiceCorner = "top-left",
  ) {
    this.bar = new VoiceBar(
      {
        toggleMute: () => void this.setMutedAsync(!(this.mesh?.isMuted ?? false)),
        silence: (id, silenced) => this.mesh?.silence(id, silenced),
      },
      corner,
    );
    host.append(this.bar.element);
    window.__chairsideVoice = () => this.testState();
    // Everything from the line is handled in arrival order, each after the one before has settled
    // and after the microphone is open: the welcome, the peer lists and the signals.
    socket.on(VoiceEv.welcome, (w) => {
      this.you = w.you;
      this.line = w.line;
      this.peers = w.peers;
      this.note(`welcome line ${w.line}, ${w.peers.length} on the line`);
      if (this.mesh) this.bar.setStatus("");
      this.bar.render(this.peers, this.speaking);
      void this.withMesh((mesh) => {
        mesh.welcome(w.you, w.line, w.iceServers);
        // The latest list: a `voice:peers` may have come while the microphone was opening.
        mesh.setPeers(this.peers);
        return undefined;
      });
    });
    socket.on(VoiceEv.peers, (peers) => {
      this.peers = peers;
      this.note(`peers ${peers.map((p) => `${p.memberId}#${p.line}`).join(" ") || "none"}`);
      this.bar.render(this.peers, this.speaking);
      void this.withMesh((mesh) => {
        mesh.setPeers(this.peers);
        return undefined;
      });
    });
    socket.on(VoiceEv.offer, (s) => {
      void this.withMesh((mesh) =>
        s.sdp ? mesh.onOfferAsync(s.from, s.sdp, this.lineOf(s.from)) : undefined,
      );
    });
    socket.on(VoiceEv.answer, (s) => {
      void this.withMesh((mesh) => (s.sdp ? mesh.onAnswerAsync(s.from, s.sdp) : undefined));
    });
    socket.on(VoiceEv.ice, (s) => {
      void this.withMesh((mesh) => (s.candidate ? mesh.onIceAsync(s.from, s.candidate) : undefined));
    });
  }

  private lineOf(memberId: string): number {
    return this.peers.find((p) => p.memberId === memberId)?.line ?? 0;
  }

  private note(text: string): void {
    this.log.push(`${Math.round(performance.now())} ${text}`);
    if (this.log.length > 30) this.log.shift();
  }

  /**
   * The signalling link is gone (dropped, or closed on purpose): every call ends, since the others
   * drop theirs with us off the line; the next welcome starts them afresh. `leave` also lets go of
   * the microphone (this window gave its seat up: nothing of it should stay live).
   */
  lineDown(why: string, leave: boolean): void {
    this.note(`line down: ${why}${leave ? " (left)" : ""}`);
    this.line = null;
    this.peers = [];
    this.speaking.clear();
    this.bar.render(this.peers, this.speaking);
    void this.withMesh((mesh) => {
      mesh.closeAll();
      return undefined;
    }, false);
    if (leave) {
      const opening = this.opening;
      this.opening = null;
      this.mesh = null;
      this.stopTimers();
      void opening?.then((mesh) => mesh?.dispose());
    }
  }

  private opening: Promise<VoiceMesh | null> | null = null;
  /** Signals are handled one after another, each after the one before has settled. */
  private signals: Promise<unknown> = Promise.resolve();

  /** `open`: open the microphone first if it is not (false: only if it is open already). */
  private withMesh(handle: (mesh: VoiceMesh) => Promise<unknown> | undefined, open = true): Promise<unknown> {
    this.signals = this.signals
      .then(() => (open ? this.openAsync() : this.mesh))
      .then((mesh) => (mesh ? handle(mesh) : undefined))
      .catch((e: unknown) => this.fail(e));
    return this.signals;
  }

  /** The microphone is asked for once; a refusal leaves the page working without voice. */
  private openAsync(): Promise<VoiceMesh | null> {
    this.opening ??= VoiceMesh.openAsync({
      offer: (to, line, sdp) => this.socket.emit(VoiceEv.offer, { to, line, sdp }),
      answer: (to, line, sdp) => this.socket.emit(VoiceEv.answer, { to, line, sdp }),
      ice: (to, line, candidate) => this.socket.emit(VoiceEv.ice, { to, line, candidate }),
      mute: (muted) => this.socket.emit(VoiceEv.mute, { muted }),
    })
      .then(async (mesh) => {
        // Back after leaving: the microphone stays as the person last set it.
        if (this.wantMuted) await mesh.setMutedAsync(true);
        this.mesh = mesh;
        this.bar.setStatus("");
        this.start();
        return mesh;
      })
      .catch((e: unknown) => {
        this.fail(e);
        this.bar.setStatus("No microphone: you can still hear the others once one is allowed.");
        return null;
      });
    return this.opening;
  }

  private fail(e: unknown): void {
    this.error = e instanceof Error ? e.message : String(e);
    console.warn(`[chairside voice] ${this.error}`);
  }

  /** The host muted this person (support group): the microphone goes off and stays off until allowed. */
  holdByHost(held: boolean): void {
    this.heldByHost = held;
    if (held) void this.setMutedAsync(true);
  }

  async setMutedAsync(muted: boolean): Promise<void> {
    if (!muted && this.heldByHost) {
      this.bar.setStatus("The host has muted you for now: raise your hand to speak.");
      return;
    }
    const mesh = this.mesh ?? (await this.openAsync());
    if (!mesh) return;
    this.wantMuted = muted;
    await mesh.setMutedAsync(muted);
    this.bar.setMuted(muted);
  }

  private start(): void {
    this.stopTimers();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.statsTimer = setInterval(() => {
      void this.mesh?.statsAsync().then((s) => {
        this.stats = s;
      });
    }, 500);
  }

  private stopTimers(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.timer = null;
    this.statsTimer = null;
  }

  private scene(): Scene | null {
    return EngineStore.LastCreatedScene;
  }

  private tick(): void {
    const mesh = this.mesh;
    if (!mesh) return;
    const now = performance.now();
    let changed = false;
    for (const p of this.peers) {
      const on = mesh.speaking(p.memberId, now);
      if (on !== this.speaking.has(p.memberId)) {
        changed = true;
        if (on) this.speaking.add(p.memberId);
        else this.speaking.delete(p.memberId);
      }
    }
    this.selfSpeaking = this.you !== null && mesh.speaking(this.you, now);
    if (changed) this.bar.render(this.peers, this.speaking);
    const scene = this.scene();
    if (!scene) return;
    this.indicators ??= new SpeakingIndicators(scene);
    const ids = this.peers.map((p) => p.memberId);
    this.indicators.update(this.speaking, ids);
    const camera = scene.activeCamera;
    if (camera) {
      const at = camera.globalPosition;
      const forward = camera.getForwardRay(1).direction;
      const indicators = this.indicators;
      mesh.place((id) => indicators.headPosition(id), {
        x: at.x,
        y: at.y,
        z: at.z,
        fx: forward.x,
        fy: forward.y,
        fz: forward.z,
      });
    }
  }

  testState(): VoiceTestState {
    const now = performance.now();
    const mesh = this.mesh;
    return {
      you: this.you,
      line: this.line,
      muted: this.mesh?.isMuted ?? false,
      heldByHost: this.heldByHost,
      error: this.error,
      peers: this.peers.map((p) => ({
        ...p,
        speaking: this.speaking.has(p.memberId),
        level:
          Math.round(
            Math.max(mesh?.level(p.memberId) ?? 0, mesh?.receivedLevel(p.memberId, now) ?? 0) * 1000,
          ) / 1000,
      })),
      selfSpeaking: this.selfSpeaking,
      stats: this.stats,
      rings: this.indicators?.shown() ?? {},
      log: [...this.log, ...(mesh?.log ?? []).map((l) => `mesh ${l}`)],
    };
  }

  dispose(): void {
    this.stopTimers();
    this.indicators?.dispose();
    this.mesh?.dispose();
    this.bar.element.remove();
  }
}
