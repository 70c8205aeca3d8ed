/**
 * The sign-in page: a passkey first, a password as the fallback, single sign-on where the clinic
 * has it; once signed in, the account card (add a passkey, change the password, sign out).
 */
import {
  changePasswordSchema,
  type PasskeyView,
  passwordSignInSchema,
  type SessionInfo,
} from "../../shared/authSchemas.ts";
import { fieldProblems } from "../../shared/records.ts";
import { callAsync, sessionAsync, showAnswerError, showProblems } from "./authApi.ts";
import { addPasskeyAsync, passkeysAvailable, signInWithPasskeyAsync } from "./passkeyCeremony.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Where to go once signed in: a path on this origin from `?next=`, else the staff area. */
function nextPath(): string {
  const next = new URLSearchParams(location.search).get("next");
  return next?.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/staff.html";
}

function busy(button: HTMLButtonElement, on: boolean): void {
  button.disabled = on;
}

function showSignIn(info: SessionInfo): void {
  $("account").hidden = true;
  $("signin").hidden = false;
  if (info.sso) {
    const sso = $<HTMLAnchorElement>("sso");
    sso.hidden = false;
    if (info.ssoName) sso.textContent = `Sign in with ${info.ssoName}`;
  }
  $("demo-note").hidden = !info.demo;
  if (!passkeysAvailable()) $("passkey-signin").hidden = true;
  $("email").focus();
}

function showAccount(info: SessionInfo): void {
  const staff = info.staff!;
  $("signin").hidden = true;
  $("account").hidden = false;
  $("account-name").textContent = staff.displayName;
  $("account-role").textContent = staff.role;
  $("passkey-count").textContent =
    staff.passkeys === 0
      ? "No passkey yet. A passkey signs you in with this device's fingerprint, face or PIN."
      : `${staff.passkeys} passkey${staff.passkeys === 1 ? "" : "s"} registered.`;
  $("current-password-row").hidden = !staff.hasPassword;
  $("passkey-form").hidden = !passkeysAvailable();
  void renderPasskeysAsync();
  if (new URLSearchParams(location.search).get("passkey") === "failed") {
    const line = $("passkey-form").querySelector<HTMLElement>("[data-form-error]")!;
    line.textContent = "Your account is ready, but the passkey was not added. Try again here.";
  }
}

/** The account's passkeys, each with "Remove" (a lost or retired device). */
async function renderPasskeysAsync(): Promise<void> {
  const list = $("passkey-list");
  const answer = await callAsync<{ passkeys: PasskeyView[] }>("GET", "/api/account/passkeys");
  list.replaceChildren();
  if (!answer.ok) return;
  for (const p of answer.value.passkeys) {
    const li = document.createElement("li");
    const name = document.createElement("span");
    const added = new Date(p.createdAt).toLocaleDateString();
    const used = p.lastUsedAt ? `, last used ${new Date(p.lastUsedAt).toLocaleDateString()}` : "";
    name.textContent = `${p.label} · added ${added}${used}`;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link-button";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => {
      void (async () => {
        remove.disabled = true;
        await callAsync("DELETE", `/api/account/passkeys/${encodeURIComponent(p.credentialId)}`);
        await refreshAsync();
      })();
    });
    li.append(name, remove);
    list.append(li);
  }
}

function wireSignIn(): void {
  const form = $<HTMLFormElement>("password-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      const data = new FormData(form);
      const parsed = passwordSignInSchema.safeParse({
        email: data.get("email"),
        password: data.get("password"),
      });
      if (!parsed.success) return showProblems(form, fieldProblems(parsed.error));
      showProblems(form, []);
      const button = form.querySelector("button")!;
      busy(button, true);
      const answer = await callAsync<SessionInfo>("POST", "/api/auth/password", parsed.data);
      busy(button, false);
      if (!answer.ok) return showAnswerError(form, answer.error);
      location.assign(nextPath());
    })();
  });

  const passkeyButton = $<HTMLButtonElement>("passkey-signin");
  passkeyButton.addEventListener("click", () => {
    void (async () => {
      $("passkey-error").textContent = "";
      busy(passkeyButton, true);
      const outcome = await signInWithPasskeyAsync();
      busy(passkeyButton, false);
      if (!outcome.ok) {
        $("passkey-error").textContent = outcome.message;
        return;
      }
      location.assign(nextPath());
    })();
  });
}

function wireAccount(): void {
  const passkeyForm = $<HTMLFormElement>("passkey-form");
  passkeyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      const button = passkeyForm.querySelector("button")!;
      busy(button, true);
      const label = String(new FormData(passkeyForm).get("label") ?? "").trim();
      const outcome = await addPasskeyAsync(label);
      busy(button, false);
      if (!outcome.ok) return showProblems(passkeyForm, [], outcome.message);
      showProblems(passkeyForm, []);
      passkeyForm.reset();
      await refreshAsync();
    })();
  });

  const passwordForm = $<HTMLFormElement>("change-password-form");
  passwordForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      const data = new FormData(passwordForm);
      const parsed = changePasswordSchema.safeParse({
        currentPassword: $("current-password-row").hidden ? null : data.get("currentPassword"),
        newPassword: data.get("newPassword"),
      });
      if (!parsed.success) return showProblems(passwordForm, fieldProblems(parsed.error));
      const answer = await callAsync("POST", "/api/account/password", parsed.data);
      if (!answer.ok) return showAnswerError(passwordForm, answer.error);
      passwordForm.reset();
      showProblems(passwordForm, [], "");
      $("signin-notice").textContent = "";
      await refreshAsync();
      passwordForm.querySelector<HTMLElement>("[data-form-error]")!.textContent =
        "Your password was changed.";
    })();
  });

  $("signout").addEventListener("click", () => {
    void (async () => {
      await callAsync("POST", "/api/auth/signout", {});
      $("signin-notice").textContent = "You are signed out.";
      await refreshAsync();
    })();
  });
}

async function refreshAsync(): Promise<void> {
  const answer = await sessionAsync();
  if (!answer.ok) {
    $("signin").hidden = false;
    $("signin-notice").textContent = answer.error.message;
    return;
  }
  if (answer.value.staff) showAccount(answer.value);
  else showSignIn(answer.value);
}

wireSignIn();
wireAccount();
void refreshAsync();
