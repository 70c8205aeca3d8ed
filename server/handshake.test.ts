import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { AdmissionQueue } from "./admissionQueue.ts";
import { type AllowSocketRequest, pacedHandshakes } from "./handshake.ts";

/** A queue cranked by hand: `turn()` runs the batch scheduled before it. */
function manualQueue(perTurn: number) {
  let pending: (() => void)[] = [];
  const queue = new AdmissionQueue({ perTurn, nextTurn: (run) => pending.push(run) });
  return {
    queue,
    turn() {
      const now = pending;
      pending = [];
      for (const run of now) run();
    },
  };
}

const request = (host: string) => ({ headers: { host } }) as IncomingMessage;
/** The Host check alone: an unknown host is refused. */
const allowLocalhost: AllowSocketRequest = (req, callback) =>
  req.headers.host === "localhost" ? callback(null, true) : callback("unknown host", false);

describe("pacedHandshakes", () => {
  it("completes allowed handshakes a few per turn, in arrival order", () => {
    const { queue, turn } = manualQueue(2);
    const paced = pacedHandshakes(allowLocalhost, queue);
    const done: number[] = [];
    for (let i = 0; i < 5; i++) paced(request("localhost"), (err, ok) => ok && err === null && done.push(i));
    expect(done).toEqual([]);
    turn();
    expect(done).toEqual([0, 1]);
    turn();
    turn();
    expect(done).toEqual([0, 1, 2, 3, 4]);
  });

  it("answers a refused handshake at once, not behind the crowd", () => {
    const { queue, turn } = manualQueue(1);
    const paced = pacedHandshakes(allowLocalhost, queue);
    const answers: string[] = [];
    paced(request("localhost"), () => answers.push("allowed"));
    paced(request("evil.example"), (err, ok) => answers.push(`${ok} ${err}`));
    expect(answers).toEqual(["false unknown host"]);
    turn();
    expect(answers).toEqual(["false unknown host", "allowed"]);
  });
});
