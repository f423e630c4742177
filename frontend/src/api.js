// The JSON API as the pages use it: the session cookie authenticates, and every request
// sends X-Requested-With, which the server requires on cookie-authenticated writes (a
// cross-site form cannot send it: that is the CSRF guard).

export class ApiError extends Error {
  constructor(status, error, detail) {
    super(typeof detail === "string" && detail ? detail : error || `HTTP ${status}`);
    this.status = status;
    this.error = error;
    this.detail = detail;
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { "X-Requested-With": "fetch", Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "the server could not be reached; check that it is running");
  }
  if (response.status === 204) return null;
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, payload?.error, describeDetail(payload?.detail));
  }
  return payload;
}

// Validation errors arrive as a list of {loc, msg}; say them in one line.
function describeDetail(detail) {
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).filter((p) => p !== "body").join(".")}: ${d.msg}`).join("; ");
  }
  return detail ?? "";
}

// "wrong_answer" -> "Wrong answer" (the server's Verdict.label).
export function verdictLabel(verdict) {
  if (!verdict) return "";
  const words = verdict.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
