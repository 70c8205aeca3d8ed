/**
 * Entry point of room.html: finds out how this page enters the room (roomEntry.ts: cookies, or a
 * demo pass for `?as=`) and opens the view for the role the server gives it.
 */

import { startReplayAsync } from "../replay/replayView.ts";
import { startRoomVoice } from "../voice/roomVoice.ts";
import { newWindowId } from "../windowId.ts";
import { startDemoAsync } from "./demoView.ts";
import { startDeskAsync } from "./deskView.ts";
import { startPatientAsync } from "./patientView.ts";
import { enterRoomAsync } from "./roomEntry.ts";
import { showFatal } from "./status.ts";

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const app = document.getElementById("app")!;
  if (params.get("demo")) {
    await startDemoAsync(app, {
      stepByStep: params.get("step") === "1",
      speed: Number(params.get("speed") ?? "1") || 1,
    });
    return;
  }
  // A past visit, read over HTTP; no seat, no socket.
  const replay = params.get("replay");
  if (replay) {
    await startReplayAsync(app, replay);
    return;
  }
  const outcome = await enterRoomAsync(params);
  if (!outcome.ok) {
    showFatal(app, outcome.title, outcome.detail, outcome.signIn);
    return;
  }
  const { role } = outcome.entry;
  // One window id for the room's link and its voice: voice follows the window that holds the seat.
  const auth = { ...outcome.entry.auth, window: newWindowId() };
  // The patient and the care team talk (observers and the demo screen do not).
  startRoomVoice(document.body, auth, role);
  // The patient's seated view; an observer can open it too (?view=patient), as a flat-screen viewer.
  if (role === "patient") await startPatientAsync(app, auth, { viewer: false });
  else if (role === "observer" && params.get("view") === "patient")
    await startPatientAsync(app, auth, { viewer: true });
  else await startDeskAsync(app, auth);
}

main().catch((error: unknown) => {
  console.error(error);
  showFatal(
    document.getElementById("app")!,
    "Something went wrong",
    error instanceof Error ? error.message : String(error),
  );
});
