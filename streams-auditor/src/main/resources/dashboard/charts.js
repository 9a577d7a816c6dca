// Minimal hand-drawn SVG charts: no library, no network.
"use strict";
const HeraldCharts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#b3261e", "#d9730d", "#3f6fb5", "#1e7b4a", "#7b3fb5", "#b58a00", "#0f8a8a",
    "#8a4b0f", "#5b6b7f", "#c2185b", "#2e7d32", "#6a1b9a", "#00838f", "#455a64"];
  const el = (name, attrs) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  };
  const color = (i) => PALETTE[i % PALETTE.length];

  function legend(container, names) {
    const div = document.createElement("div");
    div.className = "legend";
    names.forEach((n, i) => {
      const s = document.createElement("span");
      const sw = document.createElement("i");
      sw.style.background = color(i);
      s.append(sw, document.createTextNode(n));
      div.append(s);
    });
    container.append(div);
  }

  /** Stacked bars: series = {name: [counts per bucket]}. */
  function stackedBars(container, series, bucketLabels) {
    container.replaceChildren();
    const names = Object.keys(series);
    const n = bucketLabels.length;
    const W = 600, H = 150, L = 28, B = 18;
    const totals = Array.from({length: n}, (_, i) => names.reduce((s, k) => s + series[k][i], 0));
    const max = Math.max(1, ...totals);
    const svg = el("svg", {viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", role: "img"});
    svg.append(el("line", {x1: L, y1: H - B, x2: W, y2: H - B, stroke: "#ccd"}));
    const t = el("text", {x: 2, y: 12, "font-size": 10, fill: "#6b7585"});
    t.textContent = String(max);
    svg.append(t);
    const bw = (W - L) / n;
    for (let i = 0; i < n; i++) {
      let y = H - B;
      names.forEach((k, j) => {
        const v = series[k][i];
        if (!v) return;
        const h = (v / max) * (H - B - 6);
        y -= h;
        const r = el("rect", {x: L + i * bw + 1, y, width: Math.max(1, bw - 2), height: h, fill: color(j)});
        const title = el("title");
        title.textContent = `${bucketLabels[i]} ${k}: ${v}`;
        r.append(title);
        svg.append(r);
      });
      if (i % Math.ceil(n / 6) === 0) {
        const lbl = el("text", {x: L + i * bw, y: H - 4, "font-size": 10, fill: "#6b7585"});
        lbl.textContent = bucketLabels[i];
        svg.append(lbl);
      }
    }
    container.append(svg);
    if (names.length) legend(container, names); else {
      const p = document.createElement("p"); p.className = "empty"; p.textContent = "No alerts in the last 30 minutes.";
      container.append(p);
    }
  }

  /** Lines in [0,1]: series = {name: [[timeMs, value], ...]}. */
  function lines(container, series) {
    container.replaceChildren();
    const names = Object.keys(series);
    const W = 600, H = 150, L = 34, B = 18;
    const pts = names.flatMap((k) => series[k]);
    if (!pts.length) return false;
    const t0 = Math.min(...pts.map((p) => p[0])), t1 = Math.max(t0 + 1, ...pts.map((p) => p[0]));
    const lo = Math.min(0.9, ...pts.map((p) => p[1]));
    const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - 4);
    const y = (v) => H - B - ((v - lo) / (1 - lo || 1)) * (H - B - 6);
    const svg = el("svg", {viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", role: "img"});
    [lo, 1].forEach((v) => {
      svg.append(el("line", {x1: L, y1: y(v), x2: W, y2: y(v), stroke: "#e1e4ea"}));
      const t = el("text", {x: 0, y: y(v) + 4, "font-size": 10, fill: "#6b7585"});
      t.textContent = (v * 100).toFixed(1) + "%";
      svg.append(t);
    });
    names.forEach((k, j) => {
      const d = series[k].map((p, i) => `${i ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
      svg.append(el("path", {d, fill: "none", stroke: color(j), "stroke-width": 2}));
    });
    container.append(svg);
    legend(container, names);
    return true;
  }

  return {stackedBars, lines};
})();
