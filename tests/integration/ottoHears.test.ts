/**
 * Otto hears the patient's own words over a real socket (issue 12): distress and pain reach the
 * care team in the patient's words, every word heard is in the room's history (never an
 * observer's), a spoken "stop" pauses the procedure, and words to Otto are paced except the stop.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HeardWords } from "../../shared/feelings.ts";
import type { OttoUtterance } from "../../shared/otto.ts";
import type { ProcedureView } from "../../shared/procedure/types.ts";
import { ErrorCode, Ev } from "../../shared/protocol.ts";
import { startTestServer, TestClient, type TestServer, waitFor } from "../harness.ts";

let server: TestServer;
let ray: TestClient;
let noah: TestClient;
let julian: TestClient;
let observer: TestClient;

beforeAll(async () => {
  server = await startTestServer();
  ray = await TestClient.joinAsync(server, "julian", "clinician");
  noah = await TestClient.joinAsync(server, "julian", "assistant");
  julian = await TestClient.joinAsync(server, "julian", "patient");
  observer = await TestClient.joinAsync(server, "julian", "observer");
});
afterAll(async () => {
  for (const c of [ray, noah, julian, observer]) c.close();
  await server.stopAsync();
});

const heardBy = (c: TestClient): HeardWords[] =>
  c.events.flatMap((e) => (e.body.type === "otto_heard" ? [e.body.heard] : []));
const ottoSaidTo = (c: TestClient): string[] =>
  c.events.flatMap((e) =>
    e.body.type === "otto" && e.body.otto.lastUtterance ? [e.body.otto.lastUtterance.text] : [],
  );
/** Otto paces words to it at one answer per 2 s per person: wait out the pace between lines. */
const pace = () => new Promise((r) => setTimeout(r, 2_100));

describe("Otto hears how the patient feels", () => {
  it("a stop said before the start is a 'not yet': nothing starts, Otto says the team knows", async () => {
    const said = await julian.command<OttoUtterance | null>(Ev.ottoTell, {
      text: "Stop please",
      spoken: true,
    });
    expect(said.ok, JSON.stringify(said)).toBe(true);
    await waitFor(() => ray.view?.procedure?.notYet === true, "not yet on the clinician's view");
    expect(ray.view!.procedure!.status).toBe("not_started");
    await waitFor(() => ottoSaidTo(julian).some((t) => t.includes("not ready yet")), "Otto's not-yet reply");
    expect(ottoSaidTo(julian).join(" ")).not.toMatch(/press 'I'm ready'/);
    expect(heardBy(ray).at(-1)).toMatchObject({ text: "Stop please", spoken: true, stop: true });
  });

  it("pain reaches the care team in the patient's words; the patient hears empathy", async () => {
    const started = await ray.command<ProcedureView>(Ev.procedureCommand, {
      command: "start",
      reason: "Julian agreed after a short talk",
    });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    await pace();
    const said = await julian.command<OttoUtterance | null>(Ev.ottoTell, {
      text: "Ouch, it hurts",
      spoken: false,
    });
    expect(said.ok && said.value?.text).toMatch(/I've told Dr\. Ray straight away/);
    for (const team of [ray, noah]) {
      await waitFor(
        () => ottoSaidTo(team).some((t) => /Julian says it hurts: "Ouch, it hurts"/.test(t)),
        "pain to the team",
      );
      expect(heardBy(team).at(-1)).toMatchObject({ text: "Ouch, it hurts", cues: ["pain"], stop: false });
    }
    // The patient's own words stay theirs and the team's; the care team's words never reach the patient.
    expect(heardBy(julian).at(-1)?.text).toBe("Ouch, it hurts");
    expect(ottoSaidTo(julian).join(" ")).not.toMatch(/says it hurts/);
    expect(heardBy(observer)).toEqual([]);
    expect(observer.events.some((e) => e.body.type === "withheld")).toBe(true);
  });

  it("distress reaches the care team and starts the breathing coach", async () => {
    await pace();
    const said = await julian.command<OttoUtterance | null>(Ev.ottoTell, {
      text: "I can't breathe, get me out",
      spoken: true,
    });
    expect(said.ok).toBe(true);
    await waitFor(
      () => ottoSaidTo(ray).some((t) => t.includes("Julian is finding this hard")),
      "distress to the team",
    );
    await waitFor(() => ray.view?.comfort.breathingCoach === true, "breathing coach on");
    expect(heardBy(ray).at(-1)?.cues).toEqual(["distress"]);
  });

  it("paces words to Otto, but never the spoken stop, which pauses the running procedure", async () => {
    await pace();
    expect((await julian.command(Ev.ottoTell, { text: "hello Otto", spoken: false })).ok).toBe(true);
    const second = await julian.command(Ev.ottoTell, { text: "are you there?", spoken: false });
    expect(second.ok).toBe(false);
    const stop = await julian.command(Ev.ottoTell, { text: "stop", spoken: true });
    expect(stop.ok, JSON.stringify(stop)).toBe(true);
    await waitFor(() => ray.view?.procedure?.status === "paused_by_patient", "paused by the patient");
    const transition = ray.events
      .flatMap((e) => (e.body.type === "procedure" && e.body.transition ? [e.body.transition] : []))
      .at(-1);
    expect(transition).toMatchObject({ command: "stop", reason: "patient said stop (speech)" });
  });

  it("refuses words from anyone but the patient, and bad payloads, with a typed error", async () => {
    const fromRay = await ray.command(Ev.ottoTell, { text: "it hurts", spoken: false });
    expect(!fromRay.ok && fromRay.error.code).toBe(ErrorCode.forbidden);
    const tooLong = await julian.command(Ev.ottoTell, { text: "x".repeat(281), spoken: false });
    expect(!tooLong.ok && tooLong.error.code).toBe(ErrorCode.badPayload);
    const blank = await julian.command(Ev.ottoTell, { text: "   ", spoken: false });
    expect(!blank.ok && blank.error.code).toBe(ErrorCode.badPayload);
  });
});
