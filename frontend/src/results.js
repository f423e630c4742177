// The results panel: overall verdict on top, then one row per case as it finishes.
import { el, verdictLabel } from "./api.js";
import { formatNumber, plotFigure } from "./plot.js";

// Frames of the learner's own code in a traceback: File "<submission>", line N.
const FRAME = /File "<submission>", line (\d+)/g;

function innermostFrameLine(message) {
  const frames = [...(message || "").matchAll(FRAME)];
  return frames.length ? Number(frames[frames.length - 1][1]) : null;
}

function shape(dims) {
  if (!dims) return "?";
  return `(${dims.join(", ")}${dims.length === 1 ? "," : ""})`;
}

function milliseconds(value) {
  return value === null || value === undefined ? "—" : `${Math.round(value)} ms`;
}

function badge(verdict) {
  return el("span", { class: `badge verdict-${verdict}` }, verdictLabel(verdict));
}

// A table too wide for a phone scrolls inside this box, never the page; the box takes
// the focus so that keyboard users can scroll it too.
export function scrollRegion(table, label) {
  return el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": label }, table);
}

export class Results {
  constructor(container, { tolerance, onShowLine }) {
    this.container = container;
    this.tolerance = tolerance;
    this.onShowLine = onShowLine;
    this.firstFailureOpened = false;
  }

  clear(...nodes) {
    this.container.replaceChildren(el("h2", { id: "results-title", class: "visually-hidden" }, "Results"), ...nodes);
  }

  message(...content) {
    this.clear(el("p", { class: "placeholder" }, ...content));
  }

  error(text) {
    this.clear(el("p", { class: "form-error", role: "alert" }, text));
  }

  // A fresh panel for submission `id` in `mode`; cases arrive through addCase().
  start(mode, id = null, { live = true } = {}) {
    this.mode = mode;
    this.live = live;
    this.count = 0;
    this.firstFailureOpened = false;
    this.markedLine = false;
    this.verdictCells = new Map();
    this.hintNote = null;
    this.title = el("span", { class: "overall-verdict", id: "overall-verdict" }, live ? "Judging…" : "Loading…");
    this.summary = el("span", { class: "overall-summary" }, live ? "waiting for the grader" : "");
    this.banner = el(
      "div",
      { class: "verdict-banner pending", role: "status", "aria-live": "polite", tabindex: "-1" },
      this.title,
      this.summary,
      el("span", { class: "overall-mode" }, `${mode === "run" ? "Run" : "Submit"}${id ? ` · #${id}` : ""}`),
    );
    this.rows = el("tbody");
    const table = el(
      "table",
      { class: "case-table" },
      el("caption", { class: "visually-hidden" }, "Per-case results"),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { scope: "col" }, "Case"),
          el("th", { scope: "col" }, "Verdict"),
          el("th", { scope: "col", class: "num" }, "Max abs error"),
          el("th", { scope: "col", class: "num" }, "Max rel error"),
          el("th", { scope: "col", class: "num" }, "Time"),
          el("th", { scope: "col", class: "num", title: "CPU time: what the time limit counts" }, "CPU"),
        ),
      ),
      this.rows,
    );
    this.stdoutBox = el("div", { class: "submission-stdout" });
    this.clear(this.banner, scrollRegion(table, "Per-case results"), this.stdoutBox);
  }

  addCase(result) {
    this.count += 1;
    if (this.live && this.banner.classList.contains("pending")) {
      this.summary.textContent = `${this.count} case${this.count === 1 ? "" : "s"} graded`;
    }
    const failed = result.verdict !== "accepted";
    const nameCell = el("td", {}, el("span", { class: "case-name" }, result.name));
    if (!result.visible) nameCell.append(el("span", { class: "hidden-tag", title: "a hidden case: figures only" }, "hidden"));
    const verdictCell = el("td", {}, badge(result.verdict));
    this.verdictCells.set(result.name, verdictCell);
    this.setHint(verdictCell, result.hint);
    const row = el(
      "tr",
      { class: `case-row${failed ? " failed" : ""}`, "data-case": result.name, "data-verdict": result.verdict },
      nameCell,
      verdictCell,
      el("td", { class: "num" }, formatNumber(result.max_abs_error)),
      el("td", { class: "num" }, formatNumber(result.max_rel_error)),
      el("td", { class: "num" }, milliseconds(result.time_ms)),
      el("td", { class: "num" }, milliseconds(result.cpu_ms)),
    );
    this.rows.append(row);
    const details = this.details(result);
    if (details) {
      const open = failed && !this.firstFailureOpened;
      if (open) this.firstFailureOpened = true;
      const box = el("details", { class: "case-details", open }, el("summary", {}, failed ? "Details" : "Printed output"), details);
      this.rows.append(el("tr", { class: "detail-row", "data-case": result.name }, el("td", { colspan: 6 }, box)));
    }
    // A compile error names its line; a runtime error's line is the innermost frame of
    // the learner's code in the traceback.
    const line = result.line || (failed ? innermostFrameLine(result.message) : null);
    if (this.live && line && !this.markedLine) {
      this.markedLine = true;
      this.onShowLine(line, result.column, result.message, true);
    }
  }

  details(result) {
    const parts = [];
    const failed = result.verdict !== "accepted";
    if (failed && result.expected_shape && result.actual_shape &&
        shape(result.expected_shape) !== shape(result.actual_shape)) {
      parts.push(el("p", { class: "figure-line" }, `Expected shape ${shape(result.expected_shape)}, got ${shape(result.actual_shape)}.`));
    }
    if (failed && result.mismatches) {
      const where = result.first_mismatch === null || result.first_mismatch === undefined ? "" : `; the first is at flat index ${result.first_mismatch}`;
      parts.push(el("p", { class: "figure-line" }, `${result.mismatches} value${result.mismatches === 1 ? "" : "s"} outside the tolerance${where}.`));
    }
    if (result.line) {
      const where = `line ${result.line}${result.column ? `, column ${result.column}` : ""}`;
      parts.push(
        el("p", { class: "figure-line" }, "At ",
          this.live
            ? el("button", { type: "button", class: "link-button", onclick: () => this.onShowLine(result.line, result.column, result.message, true) }, `${where} of your code`)
            : `${where} of that submission's code`,
          "."),
      );
    }
    if (result.message && failed) parts.push(this.messageBlock(result.message));
    if (result.plot && failed) parts.push(plotFigure(result.plot, this.tolerance));
    if (result.stdout) {
      parts.push(el("p", { class: "stdout-title" }, "Printed output"), el("pre", { class: "stdout", tabindex: "0" }, result.stdout));
    }
    return parts.length ? el("div", {}, parts) : null;
  }

  // The message as printed, with each frame of the learner's code a link to that line.
  messageBlock(message) {
    // Focusable: a long traceback scrolls, and keyboard users must be able to scroll it.
    const pre = el("pre", { class: "message", tabindex: "0" });
    let last = 0;
    for (const frame of message.matchAll(FRAME)) {
      pre.append(message.slice(last, frame.index));
      const line = Number(frame[1]);
      pre.append(
        this.live
          ? el("button", { type: "button", class: "frame-link", title: `Show line ${line} in the editor`, onclick: () => this.onShowLine(line, null, "", true) }, frame[0])
          : frame[0],
      );
      last = frame.index + frame[0].length;
    }
    pre.append(message.slice(last));
    return pre;
  }

  setHint(verdictCell, hint) {
    verdictCell.querySelector(".hint")?.remove();
    if (hint) verdictCell.append(el("p", { class: "hint" }, el("strong", {}, "Hint: "), hint));
  }

  // The verdict came first; the hints follow once the problem's known mistakes are warm.
  hintsPending() {
    this.hintNote = el("p", { class: "hint-note" }, "Looking for a hint for your wrong answer…");
    this.banner.append(this.hintNote);
  }

  updateHints(cases) {
    for (const result of cases) {
      const cell = this.verdictCells.get(result.name);
      if (cell) this.setHint(cell, result.hint);
    }
    const hinted = cases.some((result) => result.hint);
    if (this.hintNote) this.hintNote.textContent = hinted ? "Hints added below." : "No hint for this answer.";
  }

  done(summary) {
    const verdict = summary.verdict || "internal_error";
    this.banner.className = `verdict-banner verdict-${verdict}`;
    this.title.textContent = verdictLabel(verdict);
    const what = summary.mode === "run" ? "example" : "case";
    const total = summary.total ?? this.count;
    this.summary.textContent = `${summary.passed ?? 0} / ${total} ${what}${total === 1 ? "" : "s"} passed`;
    if (summary.stdout) {
      this.stdoutBox.replaceChildren(
        el("details", { class: "case-details" }, el("summary", {}, "Printed output"), el("pre", { class: "stdout", tabindex: "0" }, summary.stdout)),
      );
    }
  }

  // Move the focus to the overall verdict (after opening a past submission).
  focusVerdict() {
    this.banner?.focus();
  }

  timedOut() {
    this.banner.className = "verdict-banner verdict-internal_error";
    this.title.textContent = "Still grading";
    this.summary.textContent = "the grader is taking long; open the Submissions tab later to see the result";
  }

  // A whole stored submission at once (history), not live: lines are not marked.
  show(submission) {
    this.start(submission.mode, submission.id, { live: false });
    for (const result of submission.cases) this.addCase(result);
    if (submission.status === "done") this.done(submission);
    else this.title.textContent = "Still grading";
  }
}
