/**
 * Entry of the storage worker thread. Node 20 does not hand the main thread's TypeScript loader
 * (tsx, under `npm start` and vitest alike) on to a worker, so the thread registers it itself and
 * then loads the worker, which is written in TypeScript like the rest of the server.
 */
import { register } from "tsx/esm/api";

register();
await import("./storageWorker.ts");
