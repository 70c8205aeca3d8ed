/**
 * The setup page: the first admin's setup link and a colleague's enrolment link land here with
 * the token in the `#fragment`. The token is taken out of the address bar and history at once,
 * kept only in this page's memory, and exchanged for a signed-in session with a password and/or
 * a passkey.
 */
import { type EnrolmentInfo, enrolmentFinishSchema, enrolmentTokenSchema } from "../../shared/authSchemas.ts";
import { fieldProblems } from "../../shared/records.ts";
import { callAsync, showAnswerError, showProblems } from "../signin/authApi.ts";
import { addPasskeyAsync, passkeysAvailable } from "../signin/passkeyCeremony.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

// Before anything else: the token must not stay in the address bar, the history or a bookmark.
const token = location.hash.slice(1);
history.replaceState(null, "", location.pathname);

function status(text: string): void {
  $("setup-status").textContent = text;
}

async function startAsync(): Promise<void> {
  if (!enrolmentTokenSchema.safeParse(token).success) {
    status("This page needs the whole setup link. Ask your clinic's admin for a new one.");
    return;
  }
  const info = await callAsync<EnrolmentInfo>("POST", "/api/auth/setup/lookup", { token });
  if (!info.ok) {
    status(info.error.message);
    return;
  }
  const { firstAdmin, displayName } = info.value;
  const until = new Date(info.value.expiresAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  status(
    firstAdmin
      ? `Create the clinic's first admin account. This link works once, until ${until}.`
      : `Welcome, ${displayName}. Choose how you will sign in. This link works once.`,
  );
  const form = $<HTMLFormElement>("setup-form");
  $("identity-fields").hidden = !firstAdmin;
  const withPasskey = $<HTMLInputElement>("with-passkey");
  withPasskey.checked = passkeysAvailable();
  withPasskey.parentElement!.hidden = !passkeysAvailable();
  form.hidden = false;

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      const data = new FormData(form);
      const password = String(data.get("password") ?? "");
      const input = {
        token,
        ...(firstAdmin ? { displayName: data.get("displayName"), email: data.get("email") } : {}),
        password: password === "" ? null : password,
      };
      const parsed = enrolmentFinishSchema.safeParse(input);
      const problems = parsed.success ? [] : fieldProblems(parsed.error);
      if (firstAdmin && !String(data.get("displayName") ?? "").trim())
        problems.push({ path: "displayName", message: "Enter your name." });
      if (password === "" && !withPasskey.checked)
        problems.push({ path: "password", message: "Choose a password, or add a passkey." });
      if (!parsed.success || problems.length > 0) return showProblems(form, problems);
      const button = form.querySelector("button")!;
      button.disabled = true;
      const done = await callAsync("POST", "/api/auth/setup", parsed.data);
      if (!done.ok) {
        button.disabled = false;
        return showAnswerError(form, done.error);
      }
      if (withPasskey.checked) {
        const added = await addPasskeyAsync("");
        if (!added.ok) {
          // Signed in already: the account page lets them try again.
          location.assign(`/signin.html?passkey=failed`);
          return;
        }
      }
      location.assign("/staff.html");
    })();
  });
}

void startAsync();
