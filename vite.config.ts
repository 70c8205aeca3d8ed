import { resolve } from "node:path";
import { defineConfig } from "vite";

/** The client is a multi-page app served by the Node server from dist/ on the same origin. */
export default defineConfig({
  root: "client",
  publicDir: resolve(import.meta.dirname, "assets"),
  build: {
    outDir: resolve(import.meta.dirname, "dist"),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, "client/index.html"),
        room: resolve(import.meta.dirname, "client/room.html"),
        staff: resolve(import.meta.dirname, "client/staff.html"),
        signin: resolve(import.meta.dirname, "client/signin.html"),
        setup: resolve(import.meta.dirname, "client/setup.html"),
        headset: resolve(import.meta.dirname, "client/headset.html"),
        // wiring: record (issue 9)
        record: resolve(import.meta.dirname, "client/record.html"),
        // wiring: audit (issue 9)
        audit: resolve(import.meta.dirname, "client/audit.html"),
        // -- otto (issue 12) -- the lesson player
        lesson: resolve(import.meta.dirname, "client/lessons/lesson.html"),
        // -- voice (issue 12) --: Noah's support group
        group: resolve(import.meta.dirname, "client/group.html"),
        // -- group12 (issue 12) --: the host's scheduling page
        groupSchedule: resolve(import.meta.dirname, "client/group/schedule.html"),
      },
    },
  },
});
