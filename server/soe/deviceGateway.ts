/**
 * Socket.IO adapter for SOE devices on their own namespace. Devices authenticate with their own
 * credentials (never a person's token): the key their pairing issued, checked by the clinic
 * directory (a re-keyed or unpaired device's connection is cut at once, `disconnectDevice`); each batch is bounded on its raw packet, validated at the
 * edge, rate-limited per device (across reconnects), and acknowledged only once stored. Every
 * handler is guarded: nothing a device sends can throw out of it.
 */
import type { Namespace } from "socket.io";
import {
  type DeviceBatch,
  type DeviceBatchAck,
  type DeviceToServerEvents,
  ErrorCode,
  Ev,
  fail,
  RATES,
  type Result,
  type ServerToDeviceEvents,
} from "../../shared/protocol.ts";
import { bootIdSchema, describeIssue, deviceBatchSchema } from "../../shared/schemas.ts";
import { RejectedPacket } from "../boundedParser.ts";
import type { Clinic } from "../clinic.ts";
import { ackOf, describeError, guard } from "../handlerGuard.ts";
import { checkProtocolVersion, refusal, refusedForNow, remoteAddress } from "../handshake.ts";
import { LimitKind, type Limits, type Sender, Verdict } from "../limits.ts";
import { createLogger } from "../log.ts";
import type { SoeService } from "./soeService.ts";

const log = createLogger("device-gateway");

export type DeviceNamespace = Namespace<
  DeviceToServerEvents,
  ServerToDeviceEvents,
  Record<string, never>,
  { deviceId: string; bootId: string }
>;

/** Counters beside `soe.stats.rejected`: typed replies, silent drops (no ack to answer), throws. */
export const deviceGatewayStats = { rejected: 0, dropped: 0, internalErrors: 0, disconnectedOffenders: 0 };

/** The identity limits are kept for. */
export const deviceIdentity = (deviceId: string): string => `device:${deviceId}`;

/** The Socket.IO room each device's connections sit in. */
const deviceRoom = (deviceId: string): string => `device:${deviceId}`;

/** Ends a device's live connections (its key was rotated, or it was unpaired). */
export function disconnectDevice(nsp: DeviceNamespace, deviceId: string): void {
  nsp.in(deviceRoom(deviceId)).disconnectSockets(true);
}

export interface DeviceGatewayDeps {
  clinic: Clinic;
  /** Whether a device presents its current key (server/directory/clinicDirectory.ts). */
  deviceKeyMatches(deviceId: string, key: unknown): boolean;
  /** A device connected or left; `firmware` is what it last reported, if anything. */
  onContact?(deviceId: string, at: number, firmware: string | null): void;
  soe: SoeService;
  limits: Limits;
  now: () => number;
  /** Where a batch is ingested (server/cluster/: by the owner of its patient's room); default the SOE service. */
  ingest?(deviceId: string, bootId: string, batch: DeviceBatch): Promise<Result<DeviceBatchAck>>;
}

export function attachDeviceGateway(nsp: DeviceNamespace, deps: DeviceGatewayDeps): void {
  nsp.use((socket, next) => {
    const address = remoteAddress(socket.handshake.address);
    try {
      const byAddress = deps.limits.admitAddress(address);
      if (!byAddress.ok) return next(refusedForNow(byAddress.retryAfterMs));
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const versionError = checkProtocolVersion(auth.protocolVersion);
      if (versionError) return next(versionError);
      const deviceId = typeof auth.deviceId === "string" ? auth.deviceId : "";
      if (!deps.clinic.devices.has(deviceId)) {
        deps.limits.offence({ address });
        return next(refusal(ErrorCode.deviceUnpaired, "This device is not paired with any patient."));
      }
      if (!deps.deviceKeyMatches(deviceId, auth.deviceKey)) {
        deps.limits.offence({ address });
        return next(refusal(ErrorCode.tokenInvalid, "Device credentials are not valid."));
      }
      const bootId = bootIdSchema.safeParse(auth.bootId);
      if (!bootId.success) {
        deps.limits.offence({ address });
        const why = bootId.error.issues[0]?.message ?? "invalid";
        return next(refusal(ErrorCode.badPayload, `bootId: ${why}`));
      }
      const admission = deps.limits.admitIdentity({ identity: deviceIdentity(deviceId), address });
      if (!admission.ok) return next(refusedForNow(admission.retryAfterMs));
      socket.data.deviceId = deviceId;
      socket.data.bootId = bootId.data;
      next();
    } catch (error) {
      log.error("device handshake threw", { error: describeError(error) });
      deviceGatewayStats.internalErrors += 1;
      next(refusal(ErrorCode.internalError, "The server could not admit this device."));
    }
  });

  nsp.on(
    "connection",
    guard(
      "device connection",
      (socket) => {
        const { deviceId, bootId } = socket.data;
        const sender: Sender = {
          identity: deviceIdentity(deviceId),
          address: remoteAddress(socket.handshake.address),
        };
        log.info("device connected", { deviceId, bootId });
        void socket.join(deviceRoom(deviceId));
        deps.onContact?.(deviceId, deps.now(), null);

        const cutOff = () => {
          if (!socket.connected) return;
          deviceGatewayStats.disconnectedOffenders += 1;
          log.warn("device disconnected as a repeat offender", { deviceId });
          socket.disconnect(true);
        };

        const reject = (args: readonly unknown[], code: ErrorCode, message: string, weight: number) => {
          deps.soe.stats.rejected[code] = (deps.soe.stats.rejected[code] ?? 0) + 1;
          log.warn("device message rejected", { deviceId, code });
          const ack = ackOf(args);
          if (ack) {
            deviceGatewayStats.rejected += 1;
            ack(fail(code, message));
          } else deviceGatewayStats.dropped += 1;
          if (weight > 0 && deps.limits.offence(sender, weight) === Verdict.cut) cutOff();
        };

        const onThrow = (_error: unknown, args: readonly unknown[]) => {
          deviceGatewayStats.internalErrors += 1;
          reject(
            args,
            ErrorCode.internalError,
            "The server could not handle this message; nothing was stored.",
            1,
          );
        };

        socket.onAny(
          guard(
            "device any",
            (event: unknown, ...args: unknown[]) => {
              if (event === Ev.deviceBatch) return;
              reject(args, ErrorCode.unknownEvent, `Unknown event "${String(event).slice(0, 40)}".`, 1);
            },
            onThrow,
          ),
        );

        socket.on(
          Ev.deviceBatch,
          guard(
            Ev.deviceBatch,
            (...args: unknown[]) => {
              const reply = ackOf(args);
              if (!reply || args.length !== 2) {
                return reject(
                  args,
                  ErrorCode.badPayload,
                  "A batch needs one payload and an acknowledgement callback.",
                  1,
                );
              }
              const verdict = deps.limits.take(sender, LimitKind.deviceBatch);
              if (verdict !== Verdict.ok) {
                // Over-rate batches are backpressure (the device retries later): a light offence only.
                reject(args, ErrorCode.rateLimited, "Batches arrive faster than this device's rate.", 0);
                if (verdict === Verdict.cut) cutOff();
                return;
              }
              const batch = args[0];
              if (batch instanceof RejectedPacket) {
                return batch.reason === "too_large"
                  ? reject(
                      args,
                      ErrorCode.tooLarge,
                      `A batch may be at most ${RATES.maxDeviceMessageBytes} bytes.`,
                      1,
                    )
                  : reject(
                      args,
                      ErrorCode.badPayload,
                      `A batch may nest at most ${RATES.maxMessageDepth} levels.`,
                      1,
                    );
              }
              const parsed = deviceBatchSchema.safeParse(batch);
              if (!parsed.success) return reject(args, ErrorCode.badPayload, describeIssue(parsed.error), 1);
              (deps.ingest ?? ((d, b, batch) => deps.soe.ingest(d, b, batch)))(deviceId, bootId, parsed.data)
                .then((result) => {
                  if (!result.ok && deps.limits.offence(sender) === Verdict.cut) cutOff();
                  reply(result);
                })
                .catch((error: unknown) => {
                  log.error("storing a batch failed", { deviceId, error: describeError(error) });
                  reply(fail(ErrorCode.storageFailed, "The batch could not be stored; send it again."));
                });
            },
            onThrow,
          ),
        );

        socket.on(
          "disconnect",
          guard(
            "device disconnect",
            (reason: string) => {
              log.info("device disconnected", { deviceId, reason });
              const device = deps.clinic.devices.get(deviceId);
              deps.onContact?.(deviceId, deps.now(), device ? deps.soe.deviceView(device).firmware : null);
            },
            () => {
              deviceGatewayStats.internalErrors += 1;
            },
          ),
        );
      },
      (_error, [socket]) => {
        deviceGatewayStats.internalErrors += 1;
        socket.disconnect(true);
      },
    ),
  );
}
