/**
 * Socket.IO adapter for SOE devices on their own namespace. Devices authenticate with their own
 * credentials (never a person's token); each batch is validated at the edge, rate-limited per
 * device, and acknowledged only once stored.
 */
import type { Namespace } from "socket.io";
import {
  type DeviceToServerEvents,
  ErrorCode,
  Ev,
  fail,
  type Result,
  type ServerToDeviceEvents,
} from "../../shared/protocol.ts";
import { bootIdSchema, describeIssue, deviceBatchSchema } from "../../shared/schemas.ts";
import type { Clinic } from "../clinic.ts";
import { createLogger } from "../log.ts";
import { checkProtocolVersion, refusal } from "../peopleGateway.ts";
import { OffenceCounter, TokenBucket } from "../rateLimit.ts";
import { verifyDeviceKey } from "../tokens.ts";
import type { SoeService } from "./soeService.ts";

const log = createLogger("device-gateway");

export type DeviceNamespace = Namespace<
  DeviceToServerEvents,
  ServerToDeviceEvents,
  Record<string, never>,
  { deviceId: string; bootId: string }
>;

/** Largest device batch on the wire (1000 readings of ~80 bytes). */
const MAX_BATCH_BYTES = 128 * 1024;

export function attachDeviceGateway(
  nsp: DeviceNamespace,
  deps: { secret: Buffer; clinic: Clinic; soe: SoeService; now: () => number },
): void {
  nsp.use((socket, next) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const versionError = checkProtocolVersion(auth.protocolVersion);
    if (versionError) return next(versionError);
    const deviceId = typeof auth.deviceId === "string" ? auth.deviceId : "";
    if (!deps.clinic.devices.has(deviceId)) {
      return next(refusal(ErrorCode.deviceUnpaired, "This device is not paired with any patient."));
    }
    if (!verifyDeviceKey(deps.secret, deviceId, auth.deviceKey)) {
      return next(refusal(ErrorCode.tokenInvalid, "Device credentials are not valid."));
    }
    const bootId = bootIdSchema.safeParse(auth.bootId);
    if (!bootId.success) {
      const why = bootId.error.issues[0]?.message ?? "invalid";
      return next(refusal(ErrorCode.badPayload, `bootId: ${why}`));
    }
    socket.data.deviceId = deviceId;
    socket.data.bootId = bootId.data;
    next();
  });

  nsp.on("connection", (socket) => {
    const { deviceId, bootId } = socket.data;
    // A device sends about one batch a second; allow catch-up bursts after a reconnect.
    const bucket = new TokenBucket(20, 200, deps.now);
    const offences = new OffenceCounter(50, 10_000, deps.now);
    log.info("device connected", { deviceId, bootId });

    const reject = (ack: ((r: Result<never>) => void) | undefined, code: ErrorCode, message: string) => {
      deps.soe.stats.rejected[code] = (deps.soe.stats.rejected[code] ?? 0) + 1;
      log.warn("device message rejected", { deviceId, code });
      ack?.(fail(code, message));
      // Over-rate batches are backpressure (the device retries later), not misbehaviour.
      if (code !== ErrorCode.rateLimited && offences.record()) {
        log.warn("device disconnected as a repeat offender", { deviceId });
        socket.disconnect(true);
      }
    };

    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (event === Ev.deviceBatch) return;
      const ack = typeof args.at(-1) === "function" ? (args.at(-1) as (r: Result<never>) => void) : undefined;
      reject(ack, ErrorCode.unknownEvent, `Unknown event "${String(event).slice(0, 40)}".`);
    });

    socket.on(Ev.deviceBatch, (batch: unknown, ack: unknown) => {
      const reply = typeof ack === "function" ? (ack as (r: Result<unknown>) => void) : undefined;
      if (!reply)
        return reject(undefined, ErrorCode.badPayload, "A batch needs an acknowledgement callback.");
      if (!bucket.take())
        return reject(reply, ErrorCode.rateLimited, "Batches arrive faster than this device's rate.");
      if (JSON.stringify(batch ?? null).length > MAX_BATCH_BYTES) {
        return reject(reply, ErrorCode.tooLarge, `A batch may be at most ${MAX_BATCH_BYTES} bytes.`);
      }
      const parsed = deviceBatchSchema.safeParse(batch);
      if (!parsed.success) return reject(reply, ErrorCode.badPayload, describeIssue(parsed.error));
      deps.soe
        .ingest(deviceId, bootId, parsed.data)
        .then((result) => {
          if (!result.ok) offences.record();
          reply(result);
        })
        .catch((error: unknown) => {
          log.error("storing a batch failed", { deviceId, error: String(error) });
          reply(fail(ErrorCode.storageFailed, "The batch could not be stored; send it again."));
        });
    });

    socket.on("disconnect", (reason) => log.info("device disconnected", { deviceId, reason }));
  });
}
