import { describe, expect, it } from "vitest";
import { notationKey, type PreferenceStore, ToothNames } from "./toothNames.ts";

class MapStore implements PreferenceStore {
  readonly data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
}

describe("ToothNames: notation remembered per person", () => {
  it("starts in FDI and names teeth in the chosen notation", () => {
    const names = new ToothNames(new MapStore());
    names.forPerson("st-ray");
    expect(names.number(16)).toBe("16");
    names.set("palmer");
    expect(names.number(16)).toBe("UR6");
    expect(names.label(36)).toBe("LL6 · lower left first molar");
    names.set("universal");
    expect(names.number(16)).toBe("3");
  });

  it("keeps each person's choice apart on a shared computer", () => {
    const store = new MapStore();
    const ray = new ToothNames(store);
    ray.forPerson("st-ray");
    ray.set("universal");
    const noah = new ToothNames(store);
    noah.forPerson("st-noah");
    expect(noah.current).toBe("fdi");
    const rayAgain = new ToothNames(store);
    rayAgain.forPerson("st-ray");
    expect(rayAgain.current).toBe("universal");
    expect(store.data.get(notationKey("st-ray"))).toBe("universal");
  });

  it("tells listeners once per change and ignores a stored value it does not know", () => {
    const store = new MapStore();
    store.setItem(notationKey("st-x"), "klingon");
    const names = new ToothNames(store);
    const heard: string[] = [];
    names.onChange.add((n) => heard.push(n));
    names.forPerson("st-x");
    expect(names.current).toBe("fdi");
    names.set("palmer");
    names.set("palmer");
    expect(heard).toEqual(["palmer"]);
  });

  it("works without storage (blocked), for this page only", () => {
    const names = new ToothNames(null);
    names.forPerson("st-ray");
    names.set("palmer");
    expect(names.number(11)).toBe("UR1");
  });
});
