import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { TurnCorking } from "./socketCorking.ts";

/** A stream that records each system-call-sized write it is asked to do. */
function recordingStream(): { stream: Writable; writes: string[][] } {
  const writes: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      writes.push([chunk.toString()]);
      cb();
    },
    writev(chunks, cb) {
      writes.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      cb();
    },
  });
  return { stream, writes };
}

const endOfTurn = () => new Promise((r) => setImmediate(r));

describe("TurnCorking", () => {
  it("sends everything written in one turn as one write, in order, at the end of the turn", async () => {
    const corking = new TurnCorking();
    const { stream, writes } = recordingStream();
    corking.attach(stream);
    stream.write("a");
    stream.write("b");
    stream.write("c");
    expect(writes).toEqual([]);
    await endOfTurn();
    expect(writes).toEqual([["a", "b", "c"]]);
  });

  it("corks each stream once and releases all of them together", async () => {
    const corking = new TurnCorking();
    const one = recordingStream();
    const two = recordingStream();
    corking.attach(one.stream);
    corking.attach(two.stream);
    for (const s of [one.stream, two.stream, one.stream, two.stream]) s.write("x");
    await endOfTurn();
    expect(one.writes).toEqual([["x", "x"]]);
    expect(two.writes).toEqual([["x", "x"]]);
  });

  it("starts afresh in the next turn", async () => {
    const corking = new TurnCorking();
    const { stream, writes } = recordingStream();
    corking.attach(stream);
    stream.write("first");
    await endOfTurn();
    stream.write("second");
    stream.write("third");
    await endOfTurn();
    expect(writes).toEqual([["first"], ["second", "third"]]);
  });

  it("leaves a stream destroyed during the turn alone", async () => {
    const corking = new TurnCorking();
    const { stream, writes } = recordingStream();
    stream.on("error", () => undefined);
    corking.attach(stream);
    stream.write("lost");
    stream.destroy();
    await endOfTurn();
    expect(writes).toEqual([]);
  });

  it("runs end-of-turn tasks before uncorking, so their writes leave with the turn's other writes", async () => {
    const corking = new TurnCorking();
    const { stream, writes } = recordingStream();
    corking.attach(stream);
    stream.write("event");
    corking.atEndOfTurn(() => stream.write("poses"));
    await endOfTurn();
    expect(writes).toEqual([["event", "poses"]]);
  });

  it("runs a task queued in an otherwise quiet turn, and the others when one throws", async () => {
    const errors: unknown[] = [];
    const corking = new TurnCorking((error) => errors.push(error));
    const { stream, writes } = recordingStream();
    corking.attach(stream);
    corking.atEndOfTurn(() => {
      throw new Error("boom");
    });
    corking.atEndOfTurn(() => stream.write("still sent"));
    await endOfTurn();
    expect(writes).toEqual([["still sent"]]);
    expect(errors).toHaveLength(1);
  });

  it("runs a task that an end-of-turn task queues at the end of the next turn, not never", async () => {
    const corking = new TurnCorking();
    const { stream, writes } = recordingStream();
    corking.attach(stream);
    corking.atEndOfTurn(() => {
      stream.write("now");
      corking.atEndOfTurn(() => stream.write("next turn"));
    });
    await endOfTurn();
    expect(writes).toEqual([["now"]]);
    await endOfTurn();
    expect(writes).toEqual([["now"], ["next turn"]]);
  });
});
