/**
 * A support group survives its server (issue 12): the real server as a child process on a real
 * data folder is killed with SIGKILL and started again. The upcoming group, its agenda and its
 * invitations come back (a link withdrawn by a removal stays withdrawn; the others still open the
 * door), and so do the notes a group agreed to keep. The notes of a group that did not agree are
 * not in the database file at all, not even as bytes.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStorage } from "../../server/storage/sqliteStorage.ts";
import {
  GroupEv,
  type GroupInvitation,
  type GroupSummary,
  type PastGroup,
} from "../../shared/supportGroup.ts";
import { closeGroupClients, joinGroupAsync } from "../groupClient.ts";
import { startTestServer, waitFor } from "../harness.ts";
import { callApi } from "../pairingFixture.ts";
import { freePort, startServerProcess } from "../serverProcess.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

const dataDir = mkdtempSync(join(tmpdir(), "chairside-group-restart-"));
const serverErrors: string[] = [];
let child: ChildProcess | null = null;

afterAll(() => {
  closeGroupClients();
  child?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

const command = (socket: Socket, event: string, payload: unknown): Promise<{ ok: boolean }> =>
  socket.timeout(8_000).emitWithAck(event, payload);

/** The real server (server/main.ts) on the folder; its start may take a minute on a loaded machine. */
const startChildAsync = (port: number) =>
  startServerProcess(port, dataDir, serverErrors, { startLimitMs: 90_000 });

async function stopChild(signal: "SIGKILL" | "SIGTERM"): Promise<void> {
  const proc = child!;
  child = null;
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  proc.kill(signal);
  await exited;
}

const tokenOf = (link: string) => decodeURIComponent(link.split("#invite=")[1]!);

describe("support groups across a restart", () => {
  it("keep the group, its agenda and invitations (withdrawn stays withdrawn) and the kept notes after SIGKILL; unagreed notes never reach the disk", async () => {
    // The host's account, a patient and the session, made by an in-process server on the folder
    // that the child process then opens (the in-process one is closed first: one handle at a time).
    const setup = await startTestServer({ dataDir });
    let noah: SignedInStaff;
    try {
      noah = await signedInStaff(setup, { staffId: "noah", role: "assistant", displayName: "Noah Park" });
      const made = await callApi(setup.origin, "POST", "/api/patients", {
        staff: noah,
        body: { displayName: "Julian Weber", dateOfBirth: "1985-12-10", anxietyNotes: "", preferences: "" },
      });
      expect(made.status).toBe(201);
    } finally {
      await setup.stopAsync();
    }

    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    child = await startChildAsync(port);

    const patients = await callApi(origin, "GET", "/api/groups/patients", { staff: noah });
    const julian = (
      patients.body as { patients: { patientId: string; displayName: string }[] }
    ).patients.find((p) => p.displayName === "Julian Weber")!;
    expect(julian).toBeDefined();

    const schedule = async (title: string) => {
      const res = await callApi(origin, "POST", "/api/groups", {
        staff: noah,
        body: {
          title,
          startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
          agenda: [
            { title: "How was your week?", minutes: 10 },
            { title: "Brushing when you are tense", minutes: 15 },
          ],
        },
      });
      expect(res.status).toBe(201);
      return (res.body as { groupId: string }).groupId;
    };
    const invite = async (groupId: string, patientId?: string) => {
      const res = await callApi(origin, "POST", `/api/groups/${groupId}/invites`, {
        staff: noah,
        body: patientId ? { patientId } : {},
      });
      expect(res.status).toBe(201);
      return tokenOf((res.body as { link: string }).link);
    };

    // Group A goes on after the restart: Julian's invitation, and Ben's, withdrawn by a removal.
    const groupA = await schedule("Smiles without worry");
    const julianToken = await invite(groupA, julian.patientId);
    const benToken = await invite(groupA);
    const hostA = await joinGroupAsync(origin, { groupId: groupA }, { cookie: noah.cookie });
    const ben = await joinGroupAsync(origin, { groupId: groupA, invite: benToken, name: "Ben" });
    expect(ben.refusal).toBeNull();
    const benId = ben.view()!.you;
    expect((await command(hostA.socket, GroupEv.remove, { memberId: benId })).ok).toBe(true);

    // Group B agrees to keep its board and ends; group C ends without agreeing.
    const keepBoard = async (groupId: string, notes: string[], agree: boolean) => {
      const host = await joinGroupAsync(origin, { groupId }, { cookie: noah.cookie });
      const ana = await joinGroupAsync(origin, { groupId, invite: await invite(groupId), name: "Ana" });
      for (const text of notes) expect((await command(ana.socket, GroupEv.note, { text })).ok).toBe(true);
      if (agree) {
        for (const m of [host, ana])
          expect((await command(m.socket, GroupEv.keep, { agree: true })).ok).toBe(true);
        await waitFor(() => host.view()?.board.kept === true, "everyone agreed", 10_000);
      }
      expect((await command(host.socket, GroupEv.end, {})).ok).toBe(true);
    };
    const groupB = await schedule("Breathing together");
    await keepBoard(groupB, ["Water after sweets", "Small steps count"], true);
    const groupC = await schedule("Not kept");
    await keepBoard(groupC, ["Zebra-marmalade-unkept-note"], false);

    closeGroupClients();
    await stopChild("SIGKILL");
    child = await startChildAsync(port);

    // The upcoming group and its agenda are back; the ended ones are not upcoming.
    const listed = await callApi(origin, "GET", "/api/groups", { staff: noah });
    expect(listed.status).toBe(200);
    const body = listed.body as { groups: GroupSummary[]; past: PastGroup[]; timeZone: string };
    expect(body.groups.map((g) => g.groupId)).toEqual([groupA]);
    expect(body.groups[0]).toMatchObject({
      title: "Smiles without worry",
      agenda: [
        { title: "How was your week?", minutes: 10 },
        { title: "Brushing when you are tense", minutes: 15 },
      ],
      invited: 1,
    });
    // The kept board came back with its session; the unagreed one is not there.
    expect(body.past.map((p) => [p.groupId, p.keptNotes.map((n) => n.text)])).toEqual([
      [groupB, ["Water after sweets", "Small steps count"]],
    ]);

    // Invitations: Julian's still opens the door (the same link), Ben's stays withdrawn.
    const invites = await callApi(origin, "GET", `/api/groups/${groupA}/invites`, { staff: noah });
    const list = (invites.body as { invitations: GroupInvitation[] }).invitations;
    expect(list.map((i) => [i.patientName, i.withdrawn])).toEqual([
      ["Julian Weber", false],
      [null, true],
    ]);
    expect(tokenOf(list[0]!.link!)).toBe(julianToken);
    expect(list[1]!.link).toBeNull();
    const benAgain = await joinGroupAsync(origin, { groupId: groupA, invite: benToken, name: "Ben" });
    expect(benAgain.refusal).toMatch(/withdrawn/);
    const julianIn = await joinGroupAsync(origin, { groupId: groupA, invite: julianToken, name: "Jules" });
    expect(julianIn.refusal).toBeNull();
    expect(julianIn.view()!.agenda.map((t) => t.title)).toEqual([
      "How was your week?",
      "Brushing when you are tense",
    ]);
    // The ended group's links open nothing any more, and say it ended (remembered across the restart).
    const hostC = await joinGroupAsync(origin, { groupId: groupC }, { cookie: noah.cookie });
    expect(hostC.refusal).toMatch(/session has ended/);

    closeGroupClients();
    await stopChild("SIGTERM");
    expect(serverErrors.join("")).not.toMatch(/group change not stored/);

    // The server is gone: one handle on the file now. C's board is nowhere, B's is kept.
    const storage = new SqliteStorage(join(dataDir, "chairside.db"));
    try {
      expect(await storage.keptGroupNotes(groupC)).toEqual([]);
      expect((await storage.keptGroupNotes(groupB)).map((n) => n.by)).toEqual(["Ana", "Ana"]);
    } finally {
      await storage.close();
    }
    for (const file of readdirSync(dataDir).filter((f) => f.startsWith("chairside.db"))) {
      expect(readFileSync(join(dataDir, file)).includes("Zebra-marmalade-unkept-note"), file).toBe(false);
    }
  }, 300_000);
});
