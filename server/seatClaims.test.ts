import { describe, expect, it } from "vitest";
import { SeatClaims, seatKeyOf } from "./seatClaims.ts";

const seat = seatKeyOf("room-ada", "dr-ray");

describe("seat claims", () => {
  it("lets a window resume only while no other window claimed the seat since", () => {
    const claims = new SeatClaims();
    expect(claims.mayResume(seat, "first")).toBe(true); // nobody holds it (a restart, say)
    claims.claim(seat, "first");
    expect(claims.mayResume(seat, "first")).toBe(true);
    claims.claim(seat, "second");
    expect(claims.mayResume(seat, "first")).toBe(false);
    expect(claims.mayResume(seat, "second")).toBe(true);
    claims.claim(seat, "first"); // "Use it here"
    expect(claims.mayResume(seat, "second")).toBe(false);
  });

  it("frees a seat when its holder leaves for good, and only its holder can free it", () => {
    const claims = new SeatClaims();
    claims.claim(seat, "first");
    claims.claim(seat, "second");
    claims.release(seat, "first"); // the window that lost the seat closes: the holder keeps it
    expect(claims.mayResume(seat, "first")).toBe(false);
    claims.release(seat, "second");
    expect(claims.mayResume(seat, "first")).toBe(true);
    expect(claims.size).toBe(0);
  });

  it("forgets the oldest claim beyond its bound, which only lets that window resume", () => {
    const claims = new SeatClaims(2);
    claims.claim(seatKeyOf("room-a", "p"), "w1");
    claims.claim(seatKeyOf("room-b", "p"), "w2");
    claims.claim(seatKeyOf("room-a", "p"), "w3"); // claimed again: the newest now
    claims.claim(seatKeyOf("room-c", "p"), "w4");
    expect(claims.size).toBe(2);
    expect(claims.mayResume(seatKeyOf("room-b", "p"), "other")).toBe(true);
    expect(claims.mayResume(seatKeyOf("room-a", "p"), "other")).toBe(false);
  });

  it("keeps seats apart by room and by person", () => {
    const claims = new SeatClaims();
    claims.claim(seat, "first");
    expect(claims.mayResume(seatKeyOf("room-ben", "dr-ray"), "other")).toBe(true);
    expect(claims.mayResume(seatKeyOf("room-ada", "noah"), "other")).toBe(true);
  });

  it("says who holds the seat for voice; a connection without a window id is not told apart", () => {
    const claims = new SeatClaims();
    claims.claim(seat, "second");
    expect(claims.holds(seat, "second")).toBe(true);
    expect(claims.holds(seat, "first")).toBe(false);
    expect(claims.holds(seat, undefined)).toBe(true);
  });
});
