/**
 * Storage as a room's owner writes it: a room's state, events and alarms are written only while
 * this node still holds the room's lease. A node that has given a room up (its lease lapsed or was
 * taken) can still have a command in flight or a timer firing for it; those writes are dropped
 * here, so the new owner's state is never overwritten by the old one.
 */
import { createLogger } from "../log.ts";
import type { Storage } from "../storage/storage.ts";

const log = createLogger("fenced-storage");

export const fenceStats = { dropped: 0 };

export function fencedStorage(storage: Storage, mayWrite: (roomId: string) => boolean): Storage {
  const refuse = (what: string, roomId: string): Promise<void> => {
    fenceStats.dropped += 1;
    log.warn("write for a room this node no longer owns dropped", { what, roomId });
    return Promise.resolve();
  };
  const fenced: Partial<Storage> = {
    saveRoomState: (row) =>
      mayWrite(row.roomId) ? storage.saveRoomState(row) : refuse("room state", row.roomId),
    appendRoomEvent: (roomId, event) =>
      mayWrite(roomId) ? storage.appendRoomEvent(roomId, event) : refuse("room event", roomId),
    saveAlarm: (roomId, alarm) =>
      mayWrite(roomId) ? storage.saveAlarm(roomId, alarm) : refuse("alarm", roomId),
  };
  return new Proxy(storage, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && prop in fenced) return fenced[prop as keyof Storage];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
