/** The demo story runs through the real server and protocol to a safe finish (no browser needed). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planById } from "../../shared/procedure/plans.ts";
import { startTestServer, type TestServer } from "../harness.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ demoLinks: true });
});
afterAll(async () => {
  await server.stopAsync();
});

describe("demo director", () => {
  it("plays every act: interlock block, clinician override, patient stop, safe completion", async () => {
    const r = await fetch(`${server.origin}/api/demo/start?speed=8`);
    expect(r.ok).toBe(true);
    const state = async () =>
      (await (await fetch(`${server.origin}/api/demo/state`)).json()) as {
        status: string;
        act: number;
        detail: string;
      };
    let last = await state();
    const until = Date.now() + 110_000;
    while (last.status !== "finished" && last.status !== "failed" && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      last = await state();
    }
    expect(last.status, last.detail).toBe("finished");
    const history = server.sessions.forAppointment("demo").procedureHistory();
    const commands = history.map((t) => t.command);
    expect(commands).toContain("interlock_block");
    expect(commands).toContain("override");
    expect(commands).toContain("stop");
    expect(history.at(-1)?.to).toBe("completed");
    // The automated step never ran on the faulty sensor's data: only after the clinician took over.
    const automated = planById("filling-36")!.steps.findIndex((st) => st.kind === "automated");
    const overrideAt = commands.indexOf("override");
    expect(history.slice(0, overrideAt).some((t) => t.to === "running" && t.stepIndex === automated)).toBe(
      false,
    );
    expect(history[overrideAt]).toMatchObject({ stepIndex: automated, to: "running" });
  }, 120_000);
});
