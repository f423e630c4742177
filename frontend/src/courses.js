// Course pages: join / create forms, the new-assignment form, due times in the viewer's
// time zone with a countdown, and the sortable gradebook.  Writes go through the JSON API.
import { api } from "./api.js";

function onSubmit(id, handler) {
  const form = document.getElementById(id);
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    const errorBox = document.getElementById(form.dataset.error || id.replace("-form", "-error"))
      || document.getElementById(id.replace(/-form$/, "") + "-error");
    if (errorBox) errorBox.textContent = "";
    button.disabled = true;
    try {
      await handler(form);
    } catch (err) {
      if (errorBox) errorBox.textContent = err.message;
      button.disabled = false;
    }
  });
}

function setUpForms() {
  onSubmit("join-form", async (form) => {
    const slug = form.elements.slug.value.trim();
    await api(`/api/courses/${encodeURIComponent(slug)}/join`, {
      method: "POST", body: { code: form.elements.code.value.trim() },
    });
    window.location.assign(`/courses/${encodeURIComponent(slug)}`);
  });
  onSubmit("create-course-form", async (form) => {
    const slug = form.elements.slug.value.trim();
    await api("/api/courses", { method: "POST", body: { slug, title: form.elements.title.value.trim() } });
    window.location.assign(`/courses/${encodeURIComponent(slug)}`);
  });
  onSubmit("assignment-form", async (form) => {
    const problems = [...form.querySelectorAll("input[name=problems]:checked")].map((box) => box.value);
    if (!problems.length) throw new Error("Pick at least one problem.");
    // datetime-local is the viewer's wall-clock time; the API stores UTC.
    const when = (name) => new Date(form.elements[name].value).toISOString();
    await api(`/api/courses/${encodeURIComponent(form.dataset.course)}/assignments`, {
      method: "POST",
      body: { title: form.elements.title.value.trim(), problems, opens_at: when("opens_at"),
              due_at: when("due_at"), late: form.elements.late.value },
    });
    window.location.reload();
  });
}

function localTimes() {
  for (const node of document.querySelectorAll("time.local-time")) {
    const moment = new Date(node.getAttribute("datetime"));
    if (!Number.isNaN(moment.getTime())) {
      node.textContent = moment.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
      node.title = moment.toISOString();
    }
  }
}

function describeLeft(ms) {
  const minutes = Math.floor(ms / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} d ${hours} h left`;
  if (hours > 0) return `${hours} h ${minutes % 60} min left`;
  return `${Math.max(minutes, 0)} min left`;
}

function countdowns() {
  for (const node of document.querySelectorAll(".countdown")) {
    const left = new Date(node.dataset.due).getTime() - Date.now();
    node.classList.toggle("countdown-closed", left <= 0);
    node.classList.toggle("countdown-soon", left > 0 && left < 86400000);
    node.textContent = left > 0 ? `(${describeLeft(left)})`
      : node.dataset.late === "accept" ? "(past due: submissions are marked late)" : "(closed)";
  }
}

function setUpSorting() {
  for (const table of document.querySelectorAll("table.sortable")) {
    const headers = [...table.tHead.rows[0].cells];
    headers.forEach((th, column) => {
      const button = th.querySelector("button.sort");
      if (!button) return;
      button.addEventListener("click", () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach((other) => other.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const text = th.dataset.type === "text";
        const key = (row) => row.cells[column]?.dataset.sort ?? "";
        const rows = [...table.tBodies[0].rows].filter((row) => row.cells.length === headers.length);
        rows.sort((a, b) => {
          const order = text ? key(a).localeCompare(key(b)) : Number(key(a)) - Number(key(b));
          return ascending ? order : -order;
        });
        table.tBodies[0].append(...rows);
      });
    });
  }
}

setUpForms();
localTimes();
countdowns();
setInterval(countdowns, 30000);
setUpSorting();
