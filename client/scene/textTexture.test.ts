import { describe, expect, it } from "vitest";
import { minLegiblePx } from "./textTexture.ts";

describe("minLegiblePx: headset text at least 1.5° high", () => {
  it("is about 26 mm at 1 m", () => {
    // A plane 1 m wide drawn 1000 px wide: one pixel per millimetre.
    expect(minLegiblePx(1, 1, 1000)).toBe(27);
  });

  it("grows with distance and with a narrower plane's pixel density", () => {
    expect(minLegiblePx(2, 1, 1000)).toBe(53);
    expect(minLegiblePx(1.4, 1.1, 1024)).toBe(35);
    expect(minLegiblePx(1, 0.5, 1000)).toBe(53);
  });
});
