/** Who is in the room: name, role and connection state, Otto included. */
import type { MemberView, OttoView } from "../../shared/protocol.ts";
import { card, h, replaceChildren, setText } from "./dom.ts";
import { initials, roleText } from "./format.ts";

const ROLE_ORDER: Readonly<Record<MemberView["role"], number>> = {
  clinician: 0,
  assistant: 1,
  patient: 2,
  observer: 3,
  presenter: 4,
  otto: 5,
};

export class MembersList {
  readonly root: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly count: HTMLElement;
  private signature = "";

  constructor() {
    const c = card("People in the room", "members");
    this.root = c.root;
    this.count = h("span", { class: "cp-count" });
    c.headerExtra.append(this.count);
    this.list = h("ul", { class: "cp-members", "aria-live": "polite" });
    c.body.append(this.list);
  }

  update(members: readonly MemberView[], otto: OttoView, you: string): void {
    const signature = `${you}|${otto.state}|${members.map((m) => `${m.memberId}:${m.displayName}:${m.role}:${m.connection}`).join(",")}`;
    if (signature === this.signature) return;
    this.signature = signature;
    const sorted = [...members].sort(
      (a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.displayName.localeCompare(b.displayName),
    );
    const items = sorted.map((m) => this.item(m, m.memberId === you, m.role === "otto" ? otto : null));
    // Otto is server-owned and always present; list it even when the room does not send it as a member.
    if (!members.some((m) => m.role === "otto")) {
      items.push(
        this.item(
          {
            memberId: "otto",
            personId: "otto",
            displayName: "Otto",
            role: "otto",
            connection: "connected",
            slot: -1,
          },
          false,
          otto,
        ),
      );
    }
    replaceChildren(this.list, items);
    setText(this.count, `${items.length} present`);
  }

  private item(m: MemberView, isYou: boolean, otto: OttoView | null): HTMLLIElement {
    const connection = m.connection === "connected" ? "Connected" : "Reconnecting…";
    return h(
      "li",
      {
        class: `cp-member cp-member-${m.role}`,
        "data-testid": "member-item",
        "data-member-id": m.memberId,
        "data-role": m.role,
        "data-connection": m.connection,
      },
      h(
        "span",
        { class: "cp-avatar", "aria-hidden": "true" },
        m.role === "otto" ? "AI" : initials(m.displayName),
      ),
      h(
        "span",
        { class: "cp-member-name" },
        h("span", { "data-testid": "member-name" }, m.displayName),
        isYou ? h("span", { class: "cp-you" }, " (you)") : null,
      ),
      h("span", { class: `cp-role cp-role-${m.role}` }, roleText(m.role)),
      h(
        "span",
        { class: `cp-conn cp-conn-${m.connection}`, "data-testid": "member-connection" },
        h("span", { class: "cp-dot", "aria-hidden": "true" }),
        otto !== null && m.connection === "connected" ? `${connection} · ${otto.state}` : connection,
      ),
    );
  }
}
