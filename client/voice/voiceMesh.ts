/**
 * The browser's side of voice: one RTCPeerConnection per other member (a full mesh suits a room
 * of a few people and a circle of 12), the microphone shared by all, and each voice played
 * through Web Audio: an AnalyserNode for the speaking indicator, then a PannerNode placed at the
 * speaker's head so a voice comes from where the person is. Signalling is a small transport the
 * caller gives (the treatment room's /voice namespace, or the support group's). Muting replaces
 * the outgoing track with none, so no audio packets leave at all while muted.
 */
import { type IceServer, isOfferer, type VoiceCandidate, type VoicePeer } from "../../shared/voice.ts";

/** How a mesh sends its signals. */
export interface SignalTransport {
  offer(to: string, sdp: string): void;
  answer(to: string, sdp: string): void;
  ice(to: string, candidate: VoiceCandidate): void;
  mute(muted: boolean): void;
}

/** Where a member's head is now, in the scene's metres (null when unknown: then heard unplaced). */
export type HeadLocator = (memberId: string) => { x: number; y: number; z: number } | null;

interface Peer {
  pc: RTCPeerConnection;
  /** Candidates that came before the remote description. */
  pending: RTCIceCandidateInit[];
  analyser: AnalyserNode | null;
  panner: PannerNode | null;
  element: HTMLAudioElement | null;
  /** Muted by this listener for themself only. */
  silenced: boolean;
  gain: GainNode | null;
  muted: boolean;
}

/** Level (0..1 RMS) above which a voice counts as speaking; held a little so words do not flicker. */
const SPEAKING_LEVEL = 0.02;
const SPEAKING_HOLD_MS = 1_200;

export class VoiceMesh {
  private readonly peers = new Map<string, Peer>();
  private readonly lastLoud = new Map<string, number>();
  private localAnalyser: AnalyserNode | null = null;
  private readonly buffer = new Float32Array(1024);
  private muted = false;
  private self = "";
  private iceServers: IceServer[] = [];

  private constructor(
    private readonly audio: AudioContext,
    private readonly microphone: MediaStream,
    private readonly transport: SignalTransport,
  ) {
    const source = audio.createMediaStreamSource(microphone);
    this.localAnalyser = audio.createAnalyser();
    this.localAnalyser.fftSize = 1024;
    // Connected (silently) to the output, so the audio graph keeps the analyser fed.
    const silent = audio.createGain();
    silent.gain.value = 0;
    source.connect(this.localAnalyser).connect(silent).connect(audio.destination);
  }

  /** Asks for the microphone (echo cancellation on: speakers and a headset's mic share a room). */
  static async openAsync(transport: SignalTransport): Promise<VoiceMesh> {
    const microphone = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      video: false,
    });
    const audio = new AudioContext();
    if (audio.state === "suspended") await audio.resume().catch(() => undefined);
    return new VoiceMesh(audio, microphone, transport);
  }

  /** Who this is on the line, and the ICE servers to use (set before peers). */
  welcome(self: string, iceServers: IceServer[]): void {
    this.self = self;
    this.iceServers = iceServers;
  }

  /** The others on the line now: calls open to newcomers and close for those who left. */
  setPeers(peers: VoicePeer[]): void {
    const present = new Set(peers.map((p) => p.memberId));
    for (const [id, peer] of this.peers) if (!present.has(id)) this.closePeer(id, peer);
    for (const p of peers) {
      const peer = this.peers.get(p.memberId) ?? this.openPeer(p.memberId);
      peer.muted = p.muted;
    }
  }

  private openPeer(memberId: string): Peer {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const peer: Peer = {
      pc,
      pending: [],
      analyser: null,
      panner: null,
      element: null,
      gain: null,
      silenced: false,
      muted: false,
    };
    this.peers.set(memberId, peer);
    const track = this.microphone.getAudioTracks()[0];
    if (track) pc.addTrack(track, this.microphone);
    if (this.muted) void this.applyMute(peer);
    pc.onicecandidate = (e) => {
      if (e.candidate) {
        const c = e.candidate.toJSON();
        this.transport.ice(memberId, {
          candidate: c.candidate ?? "",
          sdpMid: c.sdpMid ?? null,
          sdpMLineIndex: c.sdpMLineIndex ?? null,
          ...(c.usernameFragment !== undefined ? { usernameFragment: c.usernameFragment } : {}),
        });
      }
    };
    pc.ontrack = (e) => this.play(peer, e.streams[0] ?? new MediaStream([e.track]));
    if (isOfferer(this.self, memberId)) void this.offerAsync(memberId, peer);
    return peer;
  }

  private async offerAsync(memberId: string, peer: Peer): Promise<void> {
    const offer = await peer.pc.createOffer();
    await peer.pc.setLocalDescription(offer);
    this.transport.offer(memberId, offer.sdp ?? "");
  }

  /** A voice arrives: through an analyser (speaking) and a panner (where they are) to the speakers. */
  private play(peer: Peer, stream: MediaStream): void {
    if (peer.analyser) return;
    // Chromium feeds a remote WebRTC stream into Web Audio only while a media element holds it.
    const element = new Audio();
    element.muted = true;
    element.srcObject = stream;
    void element.play().catch(() => undefined);
    const source = this.audio.createMediaStreamSource(stream);
    const analyser = this.audio.createAnalyser();
    analyser.fftSize = 1024;
    const panner = new PannerNode(this.audio, {
      panningModel: "HRTF",
      distanceModel: "inverse",
      refDistance: 1,
      maxDistance: 20,
      rolloffFactor: 0.6,
    });
    const gain = this.audio.createGain();
    gain.gain.value = peer.silenced ? 0 : 1;
    source.connect(analyser).connect(panner).connect(gain).connect(this.audio.destination);
    Object.assign(peer, { analyser, panner, element, gain });
  }

  async onOfferAsync(from: string, sdp: string): Promise<void> {
    const peer = this.peers.get(from) ?? this.openPeer(from);
    await peer.pc.setRemoteDescription({ type: "offer", sdp });
    await this.flushCandidatesAsync(peer);
    const answer = await peer.pc.createAnswer();
    await peer.pc.setLocalDescription(answer);
    this.transport.answer(from, answer.sdp ?? "");
  }

  async onAnswerAsync(from: string, sdp: string): Promise<void> {
    const peer = this.peers.get(from);
    if (!peer || peer.pc.signalingState !== "have-local-offer") return;
    await peer.pc.setRemoteDescription({ type: "answer", sdp });
    await this.flushCandidatesAsync(peer);
  }

  async onIceAsync(from: string, candidate: VoiceCandidate): Promise<void> {
    const peer = this.peers.get(from);
    if (!peer) return;
    const init: RTCIceCandidateInit = {
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid,
      sdpMLineIndex: candidate.sdpMLineIndex,
      ...(candidate.usernameFragment != null ? { usernameFragment: candidate.usernameFragment } : {}),
    };
    if (!peer.pc.remoteDescription) peer.pending.push(init);
    else await peer.pc.addIceCandidate(init).catch(() => undefined);
  }

  private async flushCandidatesAsync(peer: Peer): Promise<void> {
    const pending = peer.pending.splice(0);
    for (const c of pending) await peer.pc.addIceCandidate(c).catch(() => undefined);
  }

  /** This person's own microphone: off sends no audio packets at all. */
  async setMutedAsync(muted: boolean): Promise<void> {
    this.muted = muted;
    for (const peer of this.peers.values()) await this.applyMute(peer);
    this.transport.mute(muted);
  }

  get isMuted(): boolean {
    return this.muted;
  }

  private async applyMute(peer: Peer): Promise<void> {
    const track = this.microphone.getAudioTracks()[0] ?? null;
    for (const sender of peer.pc.getSenders()) {
      if (sender.track === null || sender.track.kind === "audio")
        await sender.replaceTrack(this.muted ? null : track);
    }
  }

  /** Turns one person's voice down to nothing for this listener only (per-person mute). */
  silence(memberId: string, silenced: boolean): void {
    const peer = this.peers.get(memberId);
    if (!peer) return;
    peer.silenced = silenced;
    if (peer.gain) peer.gain.gain.value = silenced ? 0 : 1;
  }

  /** Places each voice at its speaker's head and the listener at the camera; call once a frame. */
  place(
    locate: HeadLocator,
    listener: { x: number; y: number; z: number; fx: number; fy: number; fz: number },
  ): void {
    const l = this.audio.listener;
    if (l.positionX) {
      l.positionX.value = listener.x;
      l.positionY.value = listener.y;
      l.positionZ.value = listener.z;
      l.forwardX.value = listener.fx;
      l.forwardY.value = listener.fy;
      l.forwardZ.value = listener.fz;
      l.upX.value = 0;
      l.upY.value = 1;
      l.upZ.value = 0;
    }
    for (const [id, peer] of this.peers) {
      const head = peer.panner ? locate(id) : null;
      if (!head || !peer.panner) continue;
      peer.panner.positionX.value = head.x;
      peer.panner.positionY.value = head.y;
      peer.panner.positionZ.value = head.z;
    }
  }

  /** RMS level 0..1 of a member's voice (this person's own mic for `self`). */
  level(memberId: string): number {
    const analyser =
      memberId === this.self ? (this.muted ? null : this.localAnalyser) : this.peers.get(memberId)?.analyser;
    if (!analyser) return 0;
    analyser.getFloatTimeDomainData(this.buffer);
    let sum = 0;
    for (let i = 0; i < this.buffer.length; i++) sum += this.buffer[i]! * this.buffer[i]!;
    return Math.sqrt(sum / this.buffer.length);
  }

  /** Whether a member is speaking now (level above the threshold within the hold time). */
  speaking(memberId: string, nowMs: number): boolean {
    const peer = this.peers.get(memberId);
    if (memberId !== this.self && (!peer || peer.muted)) return false;
    if (this.level(memberId) > SPEAKING_LEVEL) this.lastLoud.set(memberId, nowMs);
    const last = this.lastLoud.get(memberId);
    return last !== undefined && nowMs - last < SPEAKING_HOLD_MS;
  }

  memberIds(): string[] {
    return [...this.peers.keys()];
  }

  /** Inbound and outbound audio packet counts per peer (RTCPeerConnection.getStats), for the page's test state. */
  async statsAsync(): Promise<Record<string, { packetsIn: number; packetsOut: number; state: string }>> {
    const out: Record<string, { packetsIn: number; packetsOut: number; state: string }> = {};
    for (const [id, peer] of this.peers) {
      let packetsIn = 0;
      let packetsOut = 0;
      const report = await peer.pc.getStats();
      report.forEach((s: { type: string; kind?: string; packetsReceived?: number; packetsSent?: number }) => {
        if (s.type === "inbound-rtp" && s.kind === "audio") packetsIn += s.packetsReceived ?? 0;
        if (s.type === "outbound-rtp" && s.kind === "audio") packetsOut += s.packetsSent ?? 0;
      });
      out[id] = { packetsIn, packetsOut, state: peer.pc.connectionState };
    }
    return out;
  }

  private closePeer(id: string, peer: Peer): void {
    peer.pc.close();
    peer.element?.pause();
    peer.panner?.disconnect();
    this.peers.delete(id);
    this.lastLoud.delete(id);
  }

  dispose(): void {
    for (const [id, peer] of this.peers) this.closePeer(id, peer);
    for (const t of this.microphone.getTracks()) t.stop();
    void this.audio.close();
  }
}
