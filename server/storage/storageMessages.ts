/** The messages between the main thread and the storage thread, and the helpers both sides use. */
import type { SqliteOptions } from "./sqliteStorage.ts";

/** What the main thread hands the worker when it starts it. */
export interface StorageWorkerData {
  role: "chairside-storage";
  path: string;
  options: SqliteOptions;
}

/** Main thread -> worker: call one method. */
export interface StorageCall {
  id: number;
  method: string;
  args: unknown[];
}

/** An error as it crosses the thread boundary (an Error's own fields do not survive cloning). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/** Worker -> main thread: first one startup message, then arrays of results. */
export type StorageStartup =
  | { type: "ready"; methods: string[] }
  | { type: "failed"; error: SerializedError };
export type StorageResult =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === "string" ? { code } : {}),
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { name: "Error", message: String(error) };
}

/** Every method on an object's prototype chain (below Object), constructor excluded. */
export function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(target); proto && proto !== Object.prototype; ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (name !== "constructor" && typeof d?.value === "function") names.add(name);
    }
    proto = Object.getPrototypeOf(proto);
  }
  return [...names];
}
