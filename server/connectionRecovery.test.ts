/** The rules of connection-state recovery (./connectionRecovery.ts) that need no socket. */
import { describe, expect, it } from "vitest";
import { resumesSession, withoutRecoveryFields } from "./connectionRecovery.ts";

describe("resumesSession", () => {
  it.each([
    { recovered: true, was: "m-julian", now: "m-julian", resumes: true },
    // Cut on purpose (the room moved to another node): the member was cleared before the cut.
    { recovered: true, was: "", now: "m-julian", resumes: false },
    { recovered: true, was: undefined, now: "m-julian", resumes: false },
    { recovered: false, was: "m-julian", now: "m-julian", resumes: false },
  ])("recovered $recovered, member $was → $now: resumes $resumes", (c) => {
    const data = c.was === undefined ? {} : { memberId: c.was };
    expect(resumesSession({ recovered: c.recovered, data }, c.now)).toBe(c.resumes);
  });
});

describe("withoutRecoveryFields", () => {
  it("takes Socket.IO's pid and offset off the auth and keeps the rest", () => {
    const socket = {
      handshake: { auth: { protocolVersion: 7, appointmentId: "julian", pid: "p", offset: "o" } },
    };
    withoutRecoveryFields(socket);
    expect(socket.handshake.auth).toEqual({ protocolVersion: 7, appointmentId: "julian" });
  });
});
