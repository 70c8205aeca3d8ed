/**
 * The "Observers" card (issue 8): the appointment's clinician invites a student or a family member
 * to watch. The link is shown once, right after it is made (the server keeps only its hash); it
 * opens the room once, in one browser, until it expires or is revoked here. The card stays hidden
 * where the staff API does not let the page's user invite (the demo, assistants, observers).
 */
import {
  type InviteState,
  OBSERVER_MAX_HOURS,
  type ObserverInviteCreated,
  type ObserverInviteView,
  observerInviteInputSchema,
} from "../../shared/pairing.ts";
import type { AppointmentApi } from "./appointmentApi.ts";
import { button, card, h, setText } from "./dom.ts";

const HOURS = [1, 2, 4, 8, OBSERVER_MAX_HOURS] as const;

const STATE_WORDS: Record<InviteState, string> = {
  open: "Not opened yet",
  joined: "Opened",
  expired: "Expired",
  revoked: "Revoked",
};

export class ObserverInvitesCard {
  readonly root: HTMLElement;
  private readonly nameInput: HTMLInputElement;
  private readonly nameError: HTMLElement;
  private readonly hoursSelect: HTMLSelectElement;
  private readonly created: HTMLElement;
  private readonly message: HTMLElement;
  private readonly list: HTMLElement;
  private busy = false;
  private disposed = false;

  constructor(private readonly api: AppointmentApi) {
    const c = card("Observers", "observer-invites");
    this.root = c.root;
    this.root.hidden = true;
    this.nameInput = h("input", {
      class: "cp-input",
      id: "cp-observer-name",
      name: "displayName",
      "data-testid": "observer-name",
      autocomplete: "off",
      maxlength: 60,
      placeholder: "Sam (dental student)",
      "aria-describedby": "cp-observer-name-error",
    });
    this.nameError = h("p", { class: "cp-field-error", id: "cp-observer-name-error", hidden: true });
    this.hoursSelect = h(
      "select",
      { id: "cp-observer-hours", name: "hours", "data-testid": "observer-hours" },
      ...HOURS.map((n) => h("option", { value: n, selected: n === 2 }, n === 1 ? "1 hour" : `${n} hours`)),
    );
    const create = button("Create invite link", {
      class: "cp-btn cp-btn-primary",
      "data-testid": "observer-create",
    });
    create.type = "submit";
    const form = h(
      "form",
      { class: "cp-pair-form", novalidate: true },
      h("label", { class: "cp-field-label", for: "cp-observer-name" }, "Who is watching"),
      this.nameInput,
      this.nameError,
      h("label", { class: "cp-field-label", for: "cp-observer-hours" }, "Link works for"),
      h("div", { class: "cp-row" }, this.hoursSelect, create),
      h(
        "p",
        { class: "cp-hint" },
        "Observers see what the room shares with them, never the care team's data.",
      ),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.createAsync();
    });
    this.created = h("div", { class: "cp-invite-link", "data-testid": "observer-link-box", hidden: true });
    this.message = h("p", { class: "cp-error", role: "status", hidden: true });
    this.list = h("ul", { class: "cp-invite-list", "data-testid": "observer-list" });
    c.body.append(form, this.created, this.message, this.list);
  }

  /** Shows the card if the signed-in staff member may invite observers to this appointment. */
  async startAsync(): Promise<void> {
    const invites = await this.api.request<{ invites: ObserverInviteView[] }>("GET", "observers");
    if (this.disposed || !invites.ok) return;
    this.root.hidden = false;
    this.renderList(invites.value.invites);
  }

  dispose(): void {
    this.disposed = true;
  }

  private say(text: string | null): void {
    this.message.hidden = text === null;
    setText(this.message, text ?? "");
  }

  private async createAsync(): Promise<void> {
    if (this.busy) return;
    this.say(null);
    const parsed = observerInviteInputSchema.safeParse({
      displayName: this.nameInput.value,
      hours: Number(this.hoursSelect.value),
    });
    if (!parsed.success) {
      const byName = parsed.error.issues.find((i) => i.path[0] === "displayName");
      this.nameError.hidden = !byName;
      setText(this.nameError, byName?.message ?? "");
      if (!byName) this.say(parsed.error.issues[0]?.message ?? "Check the form.");
      return;
    }
    this.nameError.hidden = true;
    this.busy = true;
    const made = await this.api.request<ObserverInviteCreated>("POST", "observers", parsed.data);
    this.busy = false;
    if (!made.ok) {
      const byName = made.error.problems?.find((p) => p.path === "displayName");
      if (byName) {
        this.nameError.hidden = false;
        setText(this.nameError, byName.message);
      } else this.say(made.error.message);
      return;
    }
    this.nameInput.value = "";
    this.showLink(made.value);
    await this.refreshAsync();
  }

  private showLink(made: ObserverInviteCreated): void {
    const field = h("input", {
      class: "cp-input cp-mono",
      readonly: true,
      "data-testid": "observer-link",
      "aria-label": `Invite link for ${made.invite.displayName}`,
      value: made.link,
    });
    const copy = button("Copy", { class: "cp-btn cp-btn-sm" });
    copy.addEventListener("click", () => {
      field.select();
      void navigator.clipboard?.writeText(made.link).then(
        () => setText(copy, "Copied"),
        () => setText(copy, "Select and copy"),
      );
    });
    this.created.replaceChildren(
      h("p", { class: "cp-field-label" }, `Link for ${made.invite.displayName}: shown only now`),
      h("div", { class: "cp-row" }, field, copy),
      h(
        "p",
        { class: "cp-hint" },
        `It opens the room once, in one browser, until ${clockTime(made.invite.expiresAt)}. Send it privately.`,
      ),
    );
    this.created.hidden = false;
  }

  private async refreshAsync(): Promise<void> {
    const invites = await this.api.request<{ invites: ObserverInviteView[] }>("GET", "observers");
    if (invites.ok) this.renderList(invites.value.invites);
  }

  private renderList(invites: readonly ObserverInviteView[]): void {
    if (invites.length === 0) {
      this.list.replaceChildren(h("li", { class: "cp-empty" }, "No observers invited."));
      return;
    }
    this.list.replaceChildren(
      ...invites.map((invite) => {
        const live = invite.state === "open" || invite.state === "joined";
        const revoke = live
          ? button("Revoke", { class: "cp-btn cp-btn-sm cp-btn-danger", "data-testid": "observer-revoke" })
          : null;
        revoke?.addEventListener("click", () => void this.revokeAsync(invite.inviteId));
        return h(
          "li",
          { class: "cp-invite", "data-testid": "observer-invite", "data-state": invite.state },
          h("span", { class: "cp-invite-name" }, invite.displayName),
          h(
            "span",
            { class: "cp-hint" },
            live
              ? `${STATE_WORDS[invite.state]} · until ${clockTime(invite.expiresAt)}`
              : STATE_WORDS[invite.state],
          ),
          revoke,
        );
      }),
    );
  }

  private async revokeAsync(inviteId: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const done = await this.api.request<{ revoked: boolean }>(
      "DELETE",
      `observers/${encodeURIComponent(inviteId)}`,
    );
    this.busy = false;
    if (!done.ok) this.say(done.error.message);
    this.created.hidden = true;
    await this.refreshAsync();
  }
}

/** "09:12": minutes are enough here. */
function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
