// The problem workspace: statement (math), editor, Run / Submit with live results,
// and the learner's submission history.
import { api, el, verdictLabel } from "./api.js";
import { createEditor } from "./editor.js";
import { renderMath } from "./math.js";
import { Results, scrollRegion } from "./results.js";

const POLL_MS = 500;
const data = JSON.parse(document.getElementById("page-data").textContent);
const keyBase = `tensorjudge:draft:${data.user || "anonymous"}:${data.slug}`;
// One draft per framework (JAX keeps the key drafts had before frameworks existed).
const draftKey = (framework) => (framework === "jax" ? keyBase : `${keyBase}:${framework}`);
const frameworkKey = `tensorjudge:framework:${data.user || "anonymous"}:${data.slug}`;
const frameworks = data.frameworks?.length ? data.frameworks : ["jax"];
const starterOf = (framework) => data.starters?.[framework] ?? data.starter;
const picker = document.getElementById("framework");
let framework = frameworks.includes(stored(frameworkKey)) ? stored(frameworkKey) : frameworks[0];
if (picker) picker.value = framework;

renderMath(document.querySelector(".statement"));
// Code blocks and display formulas scroll sideways when wider than the pane (a phone):
// focusable, so a keyboard can scroll them too.
for (const box of document.querySelectorAll(".statement pre, .statement .math.block")) box.tabIndex = 0;
setUpTabs();

let saveTimer = null;
const editor = createEditor(document.getElementById("editor"), {
  doc: loadDraft(framework) ?? starterOf(framework),
  label: `Your solution for ${data.title} (Python)`,
  onChange(code) {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => saveDraft(framework, code), 300);
  },
  onRun: () => grade("run"),
  onSubmit: () => grade("submit"),
});
window.addEventListener("pagehide", () => saveDraft(framework, editor.getCode()));
// Switching framework keeps the draft of the one left and opens the other's (or its starter).
picker?.addEventListener("change", () => switchFramework(picker.value));

const results = new Results(document.getElementById("results"), {
  tolerance: data.tolerance,
  onShowLine(line, column, message, mark) {
    if (mark) editor.markError(line, column, message);
    else editor.showLine(line, column);
  },
});

// Signed out, the page has a sign-in link in place of these buttons.
const gradeButtons = [["run", "run"], ["submit", "submit"]]
  .map(([id, mode]) => [document.getElementById(id), mode])
  .filter(([button]) => button);
for (const [button, mode] of gradeButtons) button.addEventListener("click", () => grade(mode));
document.getElementById("reset").addEventListener("click", () => {
  editor.setCode(starterOf(framework));
  editor.focus();
});
// The shortcuts also work while focus is outside the editor (the editor handles its own).
document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  event.preventDefault();
  grade(event.shiftKey ? "submit" : "run");
});

if (data.user) loadHistory();

function stored(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage disabled: start from the starter
  }
}

function loadDraft(which) {
  return stored(draftKey(which));
}

function saveDraft(which, code) {
  try {
    if (code === starterOf(which)) window.localStorage.removeItem(draftKey(which));
    else window.localStorage.setItem(draftKey(which), code);
  } catch {
    // storage full or disabled: the draft lives only in this tab
  }
}

function switchFramework(next, code = null) {
  if (next === framework || !frameworks.includes(next)) return;
  clearTimeout(saveTimer);
  saveDraft(framework, editor.getCode());
  framework = next;
  if (picker) picker.value = next;
  try {
    window.localStorage.setItem(frameworkKey, next);
  } catch {
    // storage disabled: the choice lasts as long as the page
  }
  editor.clearError();
  editor.setCode(code ?? loadDraft(next) ?? starterOf(next));
}

let busy = false;

async function grade(mode) {
  if (busy) return;
  if (!data.user) {
    // A shortcut pressed while signed out: the same single way in as the toolbar's link.
    const next = encodeURIComponent(window.location.pathname);
    results.message(el("a", { href: `/signin?next=${next}` }, "Sign in to run your code"), ". Your draft is kept in this browser.");
    return;
  }
  busy = true;
  for (const [button] of gradeButtons) button.disabled = true;
  const code = editor.getCode();
  saveDraft(framework, code);
  editor.clearError();
  results.start(mode);
  try {
    const accepted = await api("/api/submissions", { method: "POST", body: { problem: data.slug, code, mode, framework } });
    results.start(mode, accepted.id);
    showStatus(mode, await follow(accepted.id));
  } catch (err) {
    results.error(err.status === 401 ? "Your session has ended: sign in again to run your code." : err.message);
  } finally {
    busy = false;
    for (const [button] of gradeButtons) button.disabled = false;
    loadHistory();
  }
}

// Stream the cases as they finish (SSE); if the stream breaks, poll the stored result.
function follow(id) {
  return new Promise((resolve) => {
    const events = new EventSource(`/api/submissions/${id}/events`);
    let seen = 0;
    let finished = null; // the results table the verdict went to, once "done" arrived
    events.addEventListener("case", (event) => {
      results.addCase(JSON.parse(event.data));
      seen += 1;
    });
    events.addEventListener("done", (event) => {
      const summary = JSON.parse(event.data);
      results.done(summary);
      finished = results.verdictCells;
      resolve(summary);
      // A wrong answer's hints may follow the verdict (the stream stays open for them).
      if (summary.hints_pending) results.hintsPending();
      else events.close();
    });
    events.addEventListener("hints", (event) => {
      events.close();
      // Only into the table they belong to (the learner may have run again since).
      if (results.verdictCells === finished) results.updateHints(JSON.parse(event.data).cases);
    });
    events.addEventListener("timeout", () => {
      events.close();
      results.timedOut();
      resolve(null);
    });
    events.addEventListener("error", () => {
      events.close();
      if (finished) return; // the verdict is shown; a hint that did not arrive is only a hint
      poll(id, seen).then(resolve);
    });
  });
}

async function poll(id, seen) {
  for (;;) {
    let submission;
    try {
      submission = await api(`/api/submissions/${id}`);
    } catch (err) {
      results.error(err.message);
      return null;
    }
    for (const result of submission.cases.slice(seen)) results.addCase(result);
    seen = Math.max(seen, submission.cases.length);
    if (submission.status === "done") {
      results.done(submission);
      return submission;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

// Keep the status next to the title in step: any graded attempt makes a new problem
// "attempted"; an accepted Submit makes it "solved" (as the problem list counts it).
function showStatus(mode, summary) {
  const badge = document.getElementById("problem-status");
  if (!badge || !summary?.verdict || badge.textContent === "Solved") return;
  const status = mode === "submit" && summary.verdict === "accepted" ? "solved" : "attempted";
  badge.className = `status status-${status}`;
  badge.textContent = status.charAt(0).toUpperCase() + status.slice(1);
}

function setUpTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    }
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });
}

async function loadHistory() {
  const box = document.getElementById("history");
  let page;
  try {
    page = await api(`/api/submissions?problem=${encodeURIComponent(data.slug)}&per_page=50`);
  } catch (err) {
    box.replaceChildren(el("p", { class: "form-error" }, err.message));
    return;
  }
  if (!page.items.length) {
    box.replaceChildren(el("p", { class: "placeholder" }, "No submissions yet. Run or Submit your code and it appears here."));
    return;
  }
  const rows = page.items.map((item) =>
    el(
      "tr",
      { "data-submission": item.id },
      el("td", {}, `#${item.id}`),
      el("td", {}, el("time", { datetime: item.created_at }, new Date(item.created_at).toLocaleString([], { dateStyle: "short", timeStyle: "short" }))),
      el("td", {}, item.mode === "run" ? "Run" : "Submit"),
      el("td", {}, item.verdict ? el("span", { class: `badge verdict-${item.verdict}` }, verdictLabel(item.verdict)) : item.status),
      el("td", { class: "num" }, item.total === null ? "—" : `${item.passed} / ${item.total}`),
      el(
        "td",
        { class: "actions" },
        el("button", { type: "button", class: "btn btn-small", onclick: () => openSubmission(item.id), "aria-label": `Open the result of submission ${item.id}` }, "Open"),
        el("button", { type: "button", class: "btn btn-small btn-ghost", onclick: () => loadCode(item.id), "aria-label": `Load code of submission ${item.id} into the editor` }, "Load code"),
      ),
    ),
  );
  const more = page.total > page.items.length ? [el("p", { class: "help" }, `Showing the latest ${page.items.length} of ${page.total}.`)] : [];
  box.replaceChildren(
    scrollRegion(el(
      "table",
      { class: "history-table" },
      el("caption", { class: "visually-hidden" }, "Your submissions to this problem, newest first"),
      el("thead", {}, el("tr", {},
        ...["#", "When", "Mode", "Verdict", "Passed"].map((h) => el("th", { scope: "col" }, h)),
        el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Actions")))),
      el("tbody", {}, rows),
    ), "Your submissions"),
    ...more,
  );
}

async function openSubmission(id) {
  try {
    results.show(await api(`/api/submissions/${id}`));
    // Keyboard and screen-reader users land on the verdict they asked for.
    results.focusVerdict();
  } catch (err) {
    results.error(err.message);
  }
}

async function loadCode(id) {
  try {
    const submission = await api(`/api/submissions/${id}`);
    // Its own framework's editor: switch first (keeping the current draft), then load.
    if (submission.framework && submission.framework !== framework && frameworks.includes(submission.framework)) {
      switchFramework(submission.framework, submission.code ?? "");
    } else {
      editor.setCode(submission.code ?? "");
    }
    editor.focus();
  } catch (err) {
    results.error(err.message);
  }
}
