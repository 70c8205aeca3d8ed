/**
 * A CPU profile of a process the bench starts without being able to pass it `--cpu-prof` (which
 * NODE_OPTIONS refuses): loaded with `NODE_OPTIONS=--import=<this file>`, it profiles from the
 * start and writes `<BENCH_CPU_PROF>/<pid>.cpuprofile` when the process exits (scaleNode exits on
 * SIGTERM). Plain JavaScript: it runs before tsx is registered.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.BENCH_CPU_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 500 });
  session.post("Profiler.start");
  process.on("exit", () => {
    // An in-process session answers synchronously, so this runs before the process ends.
    session.post("Profiler.stop", (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
