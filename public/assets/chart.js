// A small SVG chart: bars and lines over one band axis, a left and an optional right value axis,
// tooltips as SVG <title>, and an accessible name and description. No dependency, no inline style.
//
//   renderChart(container, {
//     title: "Daily spend", description: "…",
//     labels: ["2026-11-01", …],
//     series: [{ name: "Spend (credits)", kind: "bar", values: [0.2, …], format: (v, i) => "0.20" },
//              { name: "Calls", kind: "line", axis: "right", integer: true, values: [3, …] }],
//   });
//   `format(value, i)` labels tooltips (i = the band) and axis ticks (i undefined); `integer` keeps
//   an axis on whole numbers. Heights use the numbers given; exact amounts belong in `format`.

const SVG = "http://www.w3.org/2000/svg";
const MIN_WIDTH = 300;
const MAX_WIDTH = 960;
const HEIGHT = 240;
const MARGIN = { top: 14, bottom: 40, left: 44, right: 16 };
const RIGHT_AXIS_MARGIN = 48;
const TICKS = 4;

let chartCount = 0;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw) {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= raw) return factor * power;
  return 10 * power;
}

/** Axis top and tick values for data whose largest value is `max`. */
export function scaleFor(max, integer = false) {
  const raw = niceStep((max > 0 ? max : 1) / TICKS);
  const step = integer ? Math.max(1, Math.round(raw)) : raw;
  const top = Math.max(step * Math.ceil((max > 0 ? max : 1) / step), step);
  const ticks = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { top, ticks };
}

const defaultFormat = (v) => (Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US"));

/** Shortens ISO dates on the band axis: "2026-11-30" → "11-30". */
const shortLabel = (label) => (/^\d{4}-\d{2}-\d{2}$/.test(label) ? label.slice(5) : label);

/** Draws the chart into `container` (replacing what was there) and returns the <svg>. */
export function renderChart(container, { title, description, labels, series }) {
  chartCount += 1;
  // Drawn at the container's own width, so text keeps its size on a phone and on a desktop.
  const width = Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, container.clientWidth || 640)));
  const id = `chart-${chartCount}`;
  const hasRight = series.some((s) => s.axis === "right");
  const formatOf = (s) => s.format ?? defaultFormat;
  const axisMax = (axis) =>
    Math.max(0, ...series.filter((s) => (s.axis ?? "left") === axis).flatMap((s) => s.values.map((v) => v || 0)));
  const integerAxis = (axis) => series.filter((s) => (s.axis ?? "left") === axis).every((s) => s.integer);
  const left = scaleFor(axisMax("left"), integerAxis("left"));
  const rightScale = hasRight ? scaleFor(axisMax("right"), integerAxis("right")) : null;
  const leftSeries = series.find((s) => (s.axis ?? "left") === "left");
  const leftTicks = left.ticks.map((tick) => String(leftSeries ? formatOf(leftSeries)(tick) : tick));
  // Room for the longest tick label (about 6.5 px a character at the axis font size).
  const leftPad = Math.max(MARGIN.left, Math.ceil(Math.max(...leftTicks.map((t) => t.length)) * 6.5 + 12));
  const right = hasRight ? RIGHT_AXIS_MARGIN : MARGIN.right;
  const plotW = width - leftPad - right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const n = Math.max(labels.length, 1);
  const band = plotW / n;
  const y = (value, axis = "left") => {
    const scale = axis === "right" && rightScale ? rightScale : left;
    return MARGIN.top + plotH - (Math.max(0, value || 0) / scale.top) * plotH;
  };
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${HEIGHT}`,
    role: "img",
    "aria-labelledby": `${id}-title ${id}-desc`,
    class: "chart",
    preserveAspectRatio: "xMidYMid meet",
  });
  root.append(svg("title", { id: `${id}-title` }, title));
  root.append(svg("desc", { id: `${id}-desc` }, description ?? ""));

  // Grid and left axis.
  const axes = svg("g", { class: "axis", "aria-hidden": "true" });
  left.ticks.forEach((tick, i) => {
    const ty = y(tick);
    axes.append(svg("line", { x1: leftPad, x2: width - right, y1: ty, y2: ty, class: "grid" }));
    axes.append(svg("text", { x: leftPad - 6, y: ty + 4, "text-anchor": "end" }, leftTicks[i]));
  });
  if (rightScale) {
    const rightSeries = series.find((s) => s.axis === "right");
    for (const tick of rightScale.ticks) {
      axes.append(
        svg("text", { x: width - right + 6, y: y(tick, "right") + 4, "text-anchor": "start" }, defaultFormat(tick)),
      );
    }
    axes.append(
      svg("line", { x1: width - right, x2: width - right, y1: MARGIN.top, y2: MARGIN.top + plotH, class: "domain" }),
    );
    if (rightSeries) root.dataset.rightAxis = rightSeries.name;
  }
  axes.append(svg("line", { x1: leftPad, x2: leftPad, y1: MARGIN.top, y2: MARGIN.top + plotH, class: "domain" }));
  axes.append(
    svg("line", {
      x1: leftPad,
      x2: width - right,
      y1: MARGIN.top + plotH,
      y2: MARGIN.top + plotH,
      class: "domain",
    }),
  );
  // As many band labels as fit (about 48 px each), always the last one (today, on a daily chart).
  const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(plotW / 48))));
  labels.forEach((label, i) => {
    if ((labels.length - 1 - i) % every !== 0) return;
    axes.append(
      svg(
        "text",
        { x: leftPad + band * (i + 0.5), y: HEIGHT - MARGIN.bottom + 16, "text-anchor": "middle" },
        shortLabel(label),
      ),
    );
  });
  root.append(axes);

  // One hover area per band, under the marks: its tooltip sums up every series for that label.
  const hits = svg("g", { class: "hit" });
  labels.forEach((label, i) => {
    const rect = svg("rect", { x: leftPad + band * i, y: MARGIN.top, width: band, height: plotH });
    rect.append(
      svg("title", {}, `${label}: ${series.map((s) => `${s.name} ${formatOf(s)(s.values[i] ?? 0, i)}`).join(", ")}`),
    );
    hits.append(rect);
  });
  root.append(hits);

  const bars = series.filter((s) => (s.kind ?? "bar") === "bar");
  const barWidth = Math.max(1, (band * 0.8) / Math.max(bars.length, 1));
  bars.forEach((s, k) => {
    const group = svg("g", { class: `bars series-${series.indexOf(s)}`, "data-series": s.name });
    labels.forEach((label, i) => {
      const value = s.values[i] ?? 0;
      const top = y(value, s.axis);
      const rect = svg("rect", {
        x: leftPad + band * i + band * 0.1 + barWidth * k,
        y: top,
        width: barWidth,
        height: Math.max(0, MARGIN.top + plotH - top),
        "data-label": label,
        "data-value": value,
      });
      rect.append(svg("title", {}, `${label}: ${s.name} ${formatOf(s)(value, i)}`));
      group.append(rect);
    });
    root.append(group);
  });

  for (const s of series.filter((one) => one.kind === "line")) {
    const group = svg("g", { class: `line series-${series.indexOf(s)}`, "data-series": s.name });
    const points = labels.map((_, i) => `${leftPad + band * (i + 0.5)},${y(s.values[i] ?? 0, s.axis)}`);
    group.append(svg("polyline", { points: points.join(" "), fill: "none" }));
    labels.forEach((label, i) => {
      const value = s.values[i] ?? 0;
      const dot = svg("circle", {
        cx: leftPad + band * (i + 0.5),
        cy: y(value, s.axis),
        r: 3,
        "data-label": label,
        "data-value": value,
      });
      dot.append(svg("title", {}, `${label}: ${s.name} ${formatOf(s)(value, i)}`));
      group.append(dot);
    });
    root.append(group);
  }

  const legend = document.createElement("ul");
  legend.className = "legend";
  series.forEach((s, i) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch series-${i} ${s.kind === "line" ? "is-line" : ""}`;
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, ` ${s.name}${s.axis === "right" ? " (right axis)" : ""}`);
    legend.append(item);
  });

  container.replaceChildren(root, legend);
  return root;
}
