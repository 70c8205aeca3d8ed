/** Entry point of room.html: joins with the token in the URL and opens the view for the role. */
import { startDemoAsync } from "./demoView.ts";
import { startDeskAsync } from "./deskView.ts";
import { startPatientAsync } from "./patientView.ts";
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
  const token = params.get("token");
  if (!token) {
    showFatal(
      app,
      "No join link",
      "Open the invite link the clinic gave you, or pick a role on the start page.",
    );
    return;
  }
  const role = roleOf(token);
  // The patient's seated view; an observer can open it too (?view=patient), as a flat-screen viewer.
  if (role === "patient") await startPatientAsync(app, token, { viewer: false });
  else if (role === "observer" && params.get("view") === "patient")
    await startPatientAsync(app, token, { viewer: true });
  else await startDeskAsync(app, token);
}

/** Reads the role claim to choose the view; the server never trusts it (it verifies the signature). */
function roleOf(token: string): string | null {
  try {
    const body = token.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/");
    return (JSON.parse(atob(body)) as { role?: string }).role ?? null;
  } catch {
    return null;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  showFatal(
    document.getElementById("app")!,
    "Something went wrong",
    error instanceof Error ? error.message : String(error),
  );
});
