// Expected vs got over the flattened index, and their difference: a shift, a
// checkerboard or a scale error shows at a glance.  Plain SVG, no plotting library.
import { el } from "./api.js";

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const MARGIN = { left: 58, right: 12, top: 10, bottom: 22 };
const MARKER_LIMIT = 80; // draw point markers only while they stay readable
const TABLE_ROWS = 10; // the text alternative lists this many mismatches at most

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child);
  return node;
}

export function formatNumber(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4 || magnitude < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

function extent(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === Infinity) return [-1, 1];
  if (lo === hi) return [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

function frame(height, n, [lo, hi], label) {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const x = (i) => MARGIN.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v) => MARGIN.top + (1 - (v - lo) / (hi - lo)) * plotH;
  const root = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${height}`,
    class: "plot",
    role: "img",
    "aria-label": label,
  });
  const ticks = [lo + (hi - lo) * 0.06, hi - (hi - lo) * 0.06];
  if (lo < 0 && hi > 0) ticks.push(0);
  for (const t of ticks) {
    root.append(svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(t), y2: y(t), class: "grid" }));
    const text = svg("text", { x: MARGIN.left - 6, y: y(t) + 4, "text-anchor": "end", class: "tick" });
    text.textContent = formatNumber(t);
    root.append(text);
  }
  const xTicks = n <= 1 ? [0] : [0, Math.floor((n - 1) / 2), n - 1];
  for (const i of new Set(xTicks)) {
    const text = svg("text", { x: x(i), y: height - 6, "text-anchor": "middle", class: "tick" });
    text.textContent = String(i);
    root.append(text);
  }
  root.append(svg("rect", { x: MARGIN.left, y: MARGIN.top, width: plotW, height: plotH, class: "plot-border" }));
  return { root, x, y };
}

// A polyline with gaps where a value is missing (null = not finite on the server).
function seriesPath(values, x, y) {
  let d = "";
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
    pen = true;
  });
  return d;
}

function legend(items) {
  return el(
    "ul",
    { class: "plot-legend" },
    items.map(([cls, text]) => el("li", {}, el("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), text)),
  );
}

export function plotFigure(plot, tolerance) {
  const expected = plot.expected || [];
  const actual = plot.actual || [];
  const n = Math.max(expected.length, actual.length);
  const markers = n <= MARKER_LIMIT;

  const values = frame(190, n, extent([...expected, ...actual]), "Expected and got values over the flattened index");
  values.root.append(svg("path", { d: seriesPath(expected, values.x, values.y), class: "series expected" }));
  values.root.append(svg("path", { d: seriesPath(actual, values.x, values.y), class: "series actual" }));
  if (markers) {
    expected.forEach((v, i) => {
      if (v !== null) values.root.append(svg("circle", { cx: values.x(i), cy: values.y(v), r: 3, class: "dot expected" }));
    });
    actual.forEach((v, i) => {
      if (v === null) return;
      const cx = values.x(i);
      const cy = values.y(v);
      values.root.append(svg("path", { d: `M${cx - 3} ${cy - 3}L${cx + 3} ${cy + 3}M${cx - 3} ${cy + 3}L${cx + 3} ${cy - 3}`, class: "cross actual" }));
    });
  }

  const common = Math.min(expected.length, actual.length);
  const diff = [];
  for (let i = 0; i < common; i++) {
    const e = expected[i];
    const a = actual[i];
    diff.push(e === null || a === null ? null : a - e);
  }
  const { rtol = 0, atol = 0 } = tolerance || {};
  const diffFrame = frame(130, n, extent([0, ...diff]), "Difference got minus expected over the flattened index");
  const zero = diffFrame.y(0);
  diff.forEach((d, i) => {
    if (d === null) return;
    const outside = Math.abs(d) > atol + rtol * Math.abs(expected[i]);
    diffFrame.root.append(
      svg("line", { x1: diffFrame.x(i), x2: diffFrame.x(i), y1: zero, y2: diffFrame.y(d), class: `bar ${outside ? "bad" : "ok"}` }),
    );
  });
  diffFrame.root.append(svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: zero, y2: zero, class: "axis" }));

  const outsideAt = [];
  diff.forEach((d, i) => {
    if (outsideAt.length < TABLE_ROWS && (d === null || Math.abs(d) > atol + rtol * Math.abs(expected[i]))) outsideAt.push(i);
  });

  const notes = [];
  if (expected.length !== actual.length) notes.push(`expected has ${expected.length} values, got ${actual.length}`);
  if (plot.truncated) notes.push(`only the first ${n} values are plotted`);
  return el(
    "figure",
    { class: "plot-figure" },
    el("figcaption", {}, "Flattened output: expected vs got", notes.length ? ` (${notes.join("; ")})` : ""),
    legend([["expected", "Expected"], ["actual", "Got"]]),
    values.root,
    el("p", { class: "plot-subtitle" }, "Difference (got − expected)"),
    legend([["bad", "Outside tolerance"], ["ok", "Within tolerance"]]),
    diffFrame.root,
    mismatchTable(expected, actual, outsideAt, diff),
  );
}

// The plot's text alternative: the first values outside the tolerance, as numbers.
function mismatchTable(expected, actual, indices, diff) {
  if (!indices.length) return el("p", { class: "plot-subtitle" }, "Every plotted value is within the tolerance.");
  const cell = (v) => el("td", { class: "num" }, v === null || v === undefined ? "not finite" : formatNumber(v));
  return el(
    "div",
    { class: "mismatch-table-wrap", tabindex: "0", role: "region", "aria-label": "First values outside the tolerance" },
    el(
      "table",
      { class: "mismatch-table" },
      el("caption", {}, `First ${indices.length === 1 ? "value" : `${indices.length} values`} outside the tolerance`),
      el("thead", {}, el("tr", {}, ...["Index", "Expected", "Got", "Got − expected"].map((h) => el("th", { scope: "col", class: "num" }, h)))),
      el("tbody", {}, indices.map((i) => el("tr", {}, el("th", { scope: "row", class: "num" }, String(i)), cell(expected[i]), cell(actual[i]), cell(diff[i])))),
    ),
  );
}
