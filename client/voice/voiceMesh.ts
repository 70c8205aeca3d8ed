/**
 * The browser's side of voice: one RTCPeerConnection per other member (a full mesh suits a room
 * of a few people and a circle of 12), the microphone shared by all, and each voice played
 * through Web Audio: an AnalyserNode for the speaking indicator, then a PannerNode placed at the
 * speaker's head so a voice comes from where the person is. Signalling is a small transport the
 * caller gives (the treatment room's /voice namespace, or the support group's). Muting replaces
 * the outgoing track with none, so no audio packets leave at all while muted.
 *
 * A call must come up on a busy machine and a flaky link too: the peer with the smaller id offers
 * (no glare), each peer's description work runs one step at a time, and the offerer watches its
 * call: one not connected a while after its offer (an offer or answer lost with a dropped link) or
 * one that failed is offered again with an ICE restart. A member who comes back on a new line
 * (VoicePeer.line) gets a fresh call. Who is speaking is measured from the audio received (the
 * inbound stream's energy and the packets' own audio level), not only from the page's audio graph.
 */
import {
  type AudioEnergy,
  type IceServer,
  isOfferer,
  levelBetween,
  type VoiceCandidate,
  type VoicePeer,
} from "../../shared/voice.ts";

/** How a mesh sends its signals. */
export interface SignalTransport {
  /** `line`: the receiver's connection the signal is meant for (VoicePeer.line). */
  offer(to: string, line: number, sdp: string): void;
  answer(to: string, line: number, sdp: string): void;
  ice(to: string, line: number, candidate: VoiceCandidate): void;
  mute(muted: boolean): void;
}

/** One peer's call as the page's test state shows it. */
export interface PeerStats {
  packetsIn: number;
  packetsOut: number;
  state: string;
  ice: string;
  signaling: string;
  line: number;
  /** Offers sent again (ICE restarts) since the call began. */
  restarts: number;
  /** The level measured from received audio (inbound energy), 0..1, or null when none arrived lately. */
  receivedLevel: number | null;
}

/** Where a member's head is now, in the scene's metres (null when unknown: then heard unplaced). */
export type HeadLocator = (memberId: string) => { x: number; y: number; z: number } | null;

interface Peer {
  pc: RTCPeerConnection;
  /** Their connection this call is with. */
  line: number;
  /** This page offers (the smaller member id). */
  offerer: boolean;
  /** When the last offer went (or the call began, for the answerer). */
  offeredAt: number;
  restarts: number;
  /** Description work (offers, answers, candidates), one step after another. */
  work: Promise<unknown>;
  /** The inbound audio totals at the last stats reading, and the level measured since. */
  energy: AudioEnergy | null;
  receivedLevel: number | null;
  receivedAt: number;
  /** The last packet's own audio level (RTP header), and its RTP timestamp to tell a fresh one. */
  packetLevel: number;
  packetRtp: number | null;
  packetAt: number;
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
/** The received level (peak-based, from WebRTC's stats) above which a voice counts as speaking. */
const RECEIVED_SPEAKING_LEVEL = 0.03;
/** A received level older than this says nothing about now. */
const RECEIVED_FRESH_MS = 1_500;
/** A packet's own level counts for this long after it is first seen (a few ticks). */
const PACKET_FRESH_MS = 250;
/**
 * An offerer whose call is not up this long after its offer offers again, with an ICE restart;
 * each further try waits longer (a slow machine may need it), up to CALL_SETUP_MAX_MS.
 */
const CALL_SETUP_MS = 8_000;
const CALL_SETUP_MAX_MS = 30_000;
/** How often the offerer looks at its calls. */
const WATCH_MS = 1_000;

export class VoiceMesh {
  private readonly peers = new Map<string, Peer>();
  private readonly lastLoud = new Map<string, number>();
  private localAnalyser: AnalyserNode | null = null;
  private readonly buffer = new Float32Array(1024);
  private muted = false;
  private self = "";
  private line: number | null = null;
  private iceServers: IceServer[] = [];
  private readonly watch: ReturnType<typeof setInterval>;
  /** What happened to the calls lately, for the page's test state (diagnostics on a failure). */
  readonly log: string[] = [];

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
    this.watch = setInterval(() => this.watchCalls(), WATCH_MS);
  }

  private note(text: string): void {
    this.log.push(`${Math.round(performance.now())} ${text}`);
    if (this.log.length > 40) this.log.shift();
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

  /**
   * Who this is on the line, on which connection, and the ICE servers to use (set before peers).
   * A new line of our own (the link came back) means every call starts afresh: the others will
   * call this new line, not the old one.
   */
  welcome(self: string, line: number, iceServers: IceServer[]): void {
    if (this.line !== null && this.line !== line) {
      this.note(`new own line ${line}: calls start afresh`);
      for (const [id, peer] of this.peers) this.closePeer(id, peer);
    }
    this.self = self;
    this.line = line;
    this.iceServers = iceServers;
  }

  /** The others on the line now: calls open to newcomers, close for those who left, start afresh for those back on a new line. */
  setPeers(peers: VoicePeer[]): void {
    const present = new Set(peers.map((p) => p.memberId));
    for (const [id, peer] of this.peers) if (!present.has(id)) this.closePeer(id, peer);
    for (const p of peers) {
      let peer = this.peers.get(p.memberId);
      if (peer && peer.line !== p.line) {
        this.note(`${p.memberId} back on line ${p.line}`);
        this.closePeer(p.memberId, peer);
        peer = undefined;
      }
      peer ??= this.openPeer(p.memberId, p.line);
      peer.muted = p.muted;
    }
  }

  /** Leaves every call (the signalling link is gone; the others close theirs too). */
  closeAll(): void {
    for (const [id, peer] of this.peers) this.closePeer(id, peer);
    this.line = null;
  }

  private openPeer(memberId: string, line: number): Peer {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const offerer = isOfferer(this.self, memberId);
    const peer: Peer = {
      pc,
      line,
      offerer,
      offeredAt: performance.now(),
      restarts: 0,
      work: Promise.resolve(),
      energy: null,
      receivedLevel: null,
      receivedAt: 0,
      packetLevel: 0,
      packetRtp: null,
      packetAt: 0,
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
        this.transport.ice(memberId, peer.line, {
          candidate: c.candidate ?? "",
          sdpMid: c.sdpMid ?? null,
          sdpMLineIndex: c.sdpMLineIndex ?? null,
          ...(c.usernameFragment !== undefined ? { usernameFragment: c.usernameFragment } : {}),
        });
      }
    };
    pc.ontrack = (e) => this.play(peer, e.streams[0] ?? new MediaStream([e.track]));
    pc.onconnectionstatechange = () => {
      this.note(`${memberId} ${pc.connectionState}`);
      // A failed call is offered again at once (the offerer's job; the answerer's side fails too).
      if (pc.connectionState === "failed" && peer.offerer) this.restart(memberId, peer, "failed");
    };
    this.note(`call ${memberId} line ${line}${offerer ? " (offering)" : ""}`);
    if (offerer) this.queue(peer, () => this.offerAsync(memberId, peer, false));
    return peer;
  }

  /** Runs one step of a peer's description work after the ones before it. */
  private queue(peer: Peer, step: () => Promise<void>): Promise<unknown> {
    peer.work = peer.work.then(step).catch((e: unknown) => {
      this.note(`error: ${e instanceof Error ? e.message : String(e)}`);
    });
    return peer.work;
  }

  private async offerAsync(memberId: string, peer: Peer, iceRestart: boolean): Promise<void> {
    if (this.peers.get(memberId) !== peer || peer.pc.signalingState === "closed") return;
    // An offer whose answer never came: take it back before offering again.
    if (peer.pc.signalingState === "have-local-offer")
      await peer.pc.setLocalDescription({ type: "rollback" });
    const offer = await peer.pc.createOffer(iceRestart ? { iceRestart: true } : {});
    await peer.pc.setLocalDescription(offer);
    peer.offeredAt = performance.now();
    this.transport.offer(memberId, peer.line, offer.sdp ?? "");
  }

  /** Offers again with an ICE restart (the offerer only): the way back from a lost offer, a lost answer or a failed path. */
  private restart(memberId: string, peer: Peer, why: string): void {
    peer.restarts += 1;
    peer.offeredAt = performance.now();
    this.note(`restart ${memberId}: ${why}`);
    void this.queue(peer, () => this.offerAsync(memberId, peer, true));
  }

  /** The offerer's watch: a call not up a while after its offer is offered again. */
  private watchCalls(): void {
    const now = performance.now();
    for (const [id, peer] of this.peers) {
      if (!peer.offerer) continue;
      const state = peer.pc.connectionState;
      if (state === "connected" || state === "closed") continue;
      const wait = Math.min(CALL_SETUP_MAX_MS, CALL_SETUP_MS * (1 + peer.restarts));
      if (now - peer.offeredAt > wait) this.restart(id, peer, `still ${state}`);
    }
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

  /**
   * An offer (a first one, or an ICE restart) from `from`'s live line; `line` is that line as the
   * last peer list said, for a caller whose list has not come yet.
   */
  onOfferAsync(from: string, sdp: string, line: number): Promise<unknown> {
    const peer = this.peers.get(from) ?? this.openPeer(from, line);
    return this.queue(peer, async () => {
      if (this.peers.get(from) !== peer) return;
      // Only the smaller id offers; an offer of ours still out would be glare: theirs wins here.
      if (peer.pc.signalingState === "have-local-offer")
        await peer.pc.setLocalDescription({ type: "rollback" });
      await peer.pc.setRemoteDescription({ type: "offer", sdp });
      await this.flushCandidatesAsync(peer);
      const answer = await peer.pc.createAnswer();
      await peer.pc.setLocalDescription(answer);
      this.transport.answer(from, peer.line, answer.sdp ?? "");
    });
  }

  onAnswerAsync(from: string, sdp: string): Promise<unknown> {
    const peer = this.peers.get(from);
    if (!peer) return Promise.resolve();
    return this.queue(peer, async () => {
      // An answer to an offer taken back since (a restart went out): the next answer is the one.
      if (peer.pc.signalingState !== "have-local-offer") return;
      await peer.pc.setRemoteDescription({ type: "answer", sdp });
      await this.flushCandidatesAsync(peer);
    });
  }

  onIceAsync(from: string, candidate: VoiceCandidate): Promise<unknown> {
    const peer = this.peers.get(from);
    if (!peer) return Promise.resolve();
    return this.queue(peer, () => this.addCandidateAsync(peer, candidate));
  }

  private async addCandidateAsync(peer: Peer, candidate: VoiceCandidate): Promise<void> {
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

  /** RMS level 0..1 of a member's voice as the page's audio graph hears it (this person's own mic for `self`). */
  level(memberId: string): number {
    const analyser =
      memberId === this.self ? (this.muted ? null : this.localAnalyser) : this.peers.get(memberId)?.analyser;
    if (!analyser) return 0;
    analyser.getFloatTimeDomainData(this.buffer);
    let sum = 0;
    for (let i = 0; i < this.buffer.length; i++) sum += this.buffer[i]! * this.buffer[i]!;
    return Math.sqrt(sum / this.buffer.length);
  }

  /**
   * The level measured on what arrived from a member: the inbound energy since the last stats
   * reading, or the newest packet's own audio level, whichever is louder; 0 when nothing arrived lately.
   */
  receivedLevel(memberId: string, nowMs: number): number {
    const peer = this.peers.get(memberId);
    if (!peer) return 0;
    for (const receiver of peer.pc.getReceivers()) {
      for (const source of receiver.getSynchronizationSources()) {
        // A packet not seen before: its level is news (an old one repeats its RTP timestamp).
        if (source.rtpTimestamp !== peer.packetRtp) {
          peer.packetRtp = source.rtpTimestamp;
          peer.packetLevel = source.audioLevel ?? 0;
          peer.packetAt = nowMs;
        }
      }
    }
    let level = 0;
    if (peer.receivedLevel !== null && nowMs - peer.receivedAt < RECEIVED_FRESH_MS)
      level = peer.receivedLevel;
    if (nowMs - peer.packetAt < PACKET_FRESH_MS) level = Math.max(level, peer.packetLevel);
    return level;
  }

  /** Whether a member is speaking now (level above the threshold within the hold time). */
  speaking(memberId: string, nowMs: number): boolean {
    const peer = this.peers.get(memberId);
    if (memberId !== this.self && (!peer || peer.muted)) return false;
    const loud =
      this.level(memberId) > SPEAKING_LEVEL ||
      (memberId !== this.self && this.receivedLevel(memberId, nowMs) > RECEIVED_SPEAKING_LEVEL);
    if (loud) this.lastLoud.set(memberId, nowMs);
    const last = this.lastLoud.get(memberId);
    return last !== undefined && nowMs - last < SPEAKING_HOLD_MS;
  }

  memberIds(): string[] {
    return [...this.peers.keys()];
  }

  /**
   * Reads each call's stats (RTCPeerConnection.getStats): audio packets in and out for the page's
   * test state, and the inbound energy the received level is measured from. Call it every half second or so.
   */
  async statsAsync(): Promise<Record<string, PeerStats>> {
    const out: Record<string, PeerStats> = {};
    for (const [id, peer] of this.peers) {
      let packetsIn = 0;
      let packetsOut = 0;
      let energy: AudioEnergy | null = null;
      const report = await peer.pc.getStats();
      report.forEach(
        (s: {
          type: string;
          kind?: string;
          packetsReceived?: number;
          packetsSent?: number;
          totalAudioEnergy?: number;
          totalSamplesDuration?: number;
        }) => {
          if (s.type === "inbound-rtp" && s.kind === "audio") {
            packetsIn += s.packetsReceived ?? 0;
            if (s.totalAudioEnergy !== undefined && s.totalSamplesDuration !== undefined)
              energy = { energy: s.totalAudioEnergy, duration: s.totalSamplesDuration };
          }
          if (s.type === "outbound-rtp" && s.kind === "audio") packetsOut += s.packetsSent ?? 0;
        },
      );
      if (energy) {
        const level = levelBetween(peer.energy, energy);
        peer.energy = energy;
        if (level !== null) {
          peer.receivedLevel = level;
          peer.receivedAt = performance.now();
        }
      }
      out[id] = {
        packetsIn,
        packetsOut,
        state: peer.pc.connectionState,
        ice: peer.pc.iceConnectionState,
        signaling: peer.pc.signalingState,
        line: peer.line,
        restarts: peer.restarts,
        receivedLevel:
          peer.receivedLevel !== null && performance.now() - peer.receivedAt < RECEIVED_FRESH_MS
            ? Math.round(peer.receivedLevel * 1000) / 1000
            : null,
      };
    }
    return out;
  }

  private closePeer(id: string, peer: Peer): void {
    this.note(`close ${id} line ${peer.line}`);
    peer.pc.close();
    peer.element?.pause();
    peer.panner?.disconnect();
    this.peers.delete(id);
    this.lastLoud.delete(id);
  }

  dispose(): void {
    clearInterval(this.watch);
    for (const [id, peer] of this.peers) this.closePeer(id, peer);
    for (const t of this.microphone.getTracks()) t.stop();
    void this.audio.close();
  }
}
