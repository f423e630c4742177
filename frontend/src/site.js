// Every page: the Sign out button and the sign-in / sign-up form.
import { api } from "./api.js";

function setUpSignOut() {
  const button = document.getElementById("sign-out");
  if (!button) return;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("/api/auth/logout", { method: "POST" });
    } catch {
      // An expired session is signed out already.
    }
    window.location.assign("/");
  });
}

function setUpAuthForm() {
  const form = document.getElementById("auth-form");
  if (!form) return;
  const errorBox = document.getElementById("form-error");
  const signup = form.dataset.mode === "signup";
  form.addEventListener("input", () => {
    errorBox.textContent = ""; // the message was about what was typed before
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.textContent = "";
    const username = form.elements.username.value.trim();
    const password = form.elements.password.value;
    const problem = firstInvalid(form);
    if (problem) {
      errorBox.textContent = problem.message;
      problem.input.focus();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      if (signup) await api("/api/auth/register", { method: "POST", body: { username, password } });
      await api("/api/auth/login", { method: "POST", body: { username, password } });
      window.location.assign(form.dataset.next || "/");
    } catch (err) {
      errorBox.textContent = err.status === 409 ? `The username "${username}" is taken.` : err.message;
      button.disabled = false;
    }
  });
}

function firstInvalid(form) {
  for (const input of form.querySelectorAll("input")) {
    if (input.checkValidity()) continue;
    const label = form.querySelector(`label[for="${input.id}"]`).textContent;
    const help = document.getElementById(`${input.id}-help`)?.textContent?.trim();
    return { input, message: `${label}: ${help || input.validationMessage}` };
  }
  return null;
}

setUpSignOut();
setUpAuthForm();
