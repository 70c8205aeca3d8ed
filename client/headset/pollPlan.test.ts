import { describe, expect, it } from "vitest";
import { nextStep, pairingUrl, roomUrl, spacedCode } from "./pollPlan.ts";

describe("the headset page's poll plan", () => {
  it.each([
    [{ status: "authorization_pending", interval: 2 } as const, { kind: "poll", afterMs: 2_000 }],
    [{ status: "slow_down", interval: 7 } as const, { kind: "poll", afterMs: 7_000 }],
    [{ status: "approved", appointmentId: "a-1" } as const, { kind: "enter", appointmentId: "a-1" }],
  ])("%o → %o", (poll, step) => {
    expect(nextStep(poll)).toEqual(step);
  });

  it("fetches a new code when the old one expired or was refused", () => {
    expect(nextStep({ status: "expired_token" })).toMatchObject({ kind: "new_code", afterMs: 0 });
    expect(nextStep({ status: "access_denied" })).toMatchObject({ kind: "new_code" });
  });

  it("builds the room's address from the appointment and only the display settings", () => {
    expect(roomUrl("a-1", "?xr=emulate&quality=low&token=abc&appointment=evil")).toBe(
      "/room.html?appointment=a-1&xr=emulate&quality=low",
    );
    expect(roomUrl("a b", "")).toBe("/room.html?appointment=a+b");
    expect(roomUrl("a-1", "?xr=<script>")).toBe("/room.html?appointment=a-1");
  });

  it("encodes the staff page with the code in the QR, and spaces the code for reading", () => {
    expect(pairingUrl("https://chairside.clinic.example", "K7M3QX")).toBe(
      "https://chairside.clinic.example/staff.html?pair=K7M3QX",
    );
    expect(spacedCode("K7M3QX")).toBe("K7M 3QX");
  });
});
