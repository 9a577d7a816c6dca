// Herald dashboard: live alerts over SSE, node/group status, evidence, charts. Bounded DOM.
"use strict";
(() => {
  const MAX_ROWS = 200;
  const rows = new Map(); // alertId -> <tr>, newest first in the table
  const $ = (s) => document.querySelector(s);
  const tbody = $("#alerts tbody");
  let selected = null;

  const text = (tag, t, cls) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    e.textContent = t == null ? "" : String(t);
    return e;
  };
  const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "—");

  // Bearer token: asked for when the API answers 401, kept for this tab only (sessionStorage).
  // Bound to a loopback address without a token file, the API needs none and this never shows.
  const TOKEN_KEY = "herald.apiToken";
  let role = "operator"; // a viewer gets 403 on evidence; the detail panel then says so
  const authHeaders = () => {
    const t = sessionStorage.getItem(TOKEN_KEY);
    return t ? {Authorization: "Bearer " + t} : {};
  };
  let asking = null;
  function askForToken(message) {
    if (asking) return asking;
    const dialog = $("#login");
    $("#login-message").textContent = message;
    dialog.hidden = false;
    $("#login-token").focus();
    asking = new Promise((resolve) => {
      $("#login-form").onsubmit = (ev) => {
        ev.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, $("#login-token").value.trim());
        $("#login-token").value = "";
        dialog.hidden = true;
        asking = null;
        resolve();
        reloadAll();
      };
    });
    return asking;
  }
  const getJson = async (url) => {
    const r = await fetch(url, {headers: {Accept: "application/json", ...authHeaders()}});
    const body = await r.json();
    if (r.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      askForToken(`${body.error}: ${body.detail}`);
    }
    if (r.status === 403 && url.endsWith("/evidence")) role = "viewer";
    if (!r.ok) throw new Error(`${body.error}: ${body.detail}`);
    return body;
  };

  function filterMatches(a) {
    const sev = $("#f-severity").value, st = $("#f-status").value;
    return (!sev || a.severity === sev) && (!st || a.status === st);
  }

  function renderRow(a, fresh) {
    const tr = document.createElement("tr");
    tr.dataset.alertId = a.alertId;
    tr.dataset.type = a.type;
    tr.dataset.status = a.status;
    const ended = a.status === "RESOLVED" || a.status === "ACKNOWLEDGED";
    tr.className = (ended ? "resolved " : "") + (fresh ? "fresh" : "");
    tr.title = a.detail || "";
    const attrs = a.attributes || {};
    tr.append(
      text("td", time(a.detectedAt)),
      text("td", attrs.lastSeenAt ? time(attrs.lastSeenAt) : time(a.detectedAt), "last-seen"),
      text("td", a.type, "type"),
      (() => { const td = document.createElement("td"); td.append(text("span", a.severity, "sev " + a.severity)); return td; })(),
      text("td", a.status, "status"),
      text("td", attrs.count || "1", "count"),
      text("td", a.group || "—"),
      text("td", a.entityKey == null ? "—" : a.entityKey + (a.version != null ? " v" + a.version : ""), "entity"),
      text("td", (a.nodes || []).join(", "), "nodes"));
    tr.addEventListener("click", () => openDetail(a.alertId));
    return tr;
  }

  function upsert(a, fresh) {
    const old = rows.get(a.alertId);
    if (!filterMatches(a)) {
      if (old) { old.remove(); rows.delete(a.alertId); }
      return;
    }
    const tr = renderRow(a, fresh);
    if (old) old.replaceWith(tr); else tbody.prepend(tr);
    rows.set(a.alertId, tr);
    while (rows.size > MAX_ROWS) {
      const last = tbody.lastElementChild;
      rows.delete(last.dataset.alertId);
      last.remove();
    }
    $("#alerts-empty").hidden = rows.size > 0;
    if (selected === a.alertId && fresh) openDetail(a.alertId);
  }

  async function loadAlerts() {
    const params = new URLSearchParams({limit: String(MAX_ROWS)});
    if ($("#f-severity").value) params.set("severity", $("#f-severity").value);
    if ($("#f-status").value) params.set("status", $("#f-status").value);
    const page = await getJson("/api/alerts?" + params);
    tbody.replaceChildren();
    rows.clear();
    page.alerts.slice().reverse().forEach((a) => upsert(a, false));
    $("#alerts-empty").hidden = rows.size > 0;
  }

  // EventSource cannot send an Authorization header, so the stream is read with fetch: the
  // same server-sent events, parsed here (events separated by a blank line, "event:"/"data:").
  let streamAbort = null;
  async function connect() {
    const conn = $("#conn");
    const off = (why) => { conn.textContent = "stream: " + why; conn.className = "conn off"; };
    if (streamAbort) streamAbort.abort();
    const abort = new AbortController();
    streamAbort = abort;
    try {
      const r = await fetch("/api/alerts/stream", {headers: {Accept: "text/event-stream", ...authHeaders()}, signal: abort.signal});
      if (r.status === 401) {
        const body = await r.json();
        sessionStorage.removeItem(TOKEN_KEY);
        off("needs a token");
        askForToken(`${body.error}: ${body.detail}`);
        return; // reloadAll() reconnects after the token is entered
      }
      if (!r.ok || !r.body) throw new Error("HTTP " + r.status);
      conn.textContent = "stream: live"; conn.className = "conn on";
      loadAlerts().catch(() => {});
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buf += value;
        let cut;
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let event = "message", data = "";
          block.split("\n").forEach((line) => {
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data += line.slice(5).trim();
          });
          if (event === "alert" && data) {
            upsert(JSON.parse(data), true);
            scheduleStatus();
          } else if (event === "error" && data) {
            off(JSON.parse(data).detail);
          }
        }
      }
    } catch (e) {
      if (abort.signal.aborted) return;
    }
    if (streamAbort === abort) {
      off("reconnecting…");
      setTimeout(connect, 3000);
    }
  }

  function reloadAll() {
    loadAlerts().catch(() => {});
    loadStatus().catch(() => {});
    loadRate().catch(() => {});
    loadFlink().catch(() => {});
    connect();
  }

  async function openDetail(id) {
    selected = id;
    const panel = $("#detail");
    panel.hidden = false;
    $("#detail-id").textContent = id.slice(0, 16) + "…";
    const body = $("#detail-body");
    try {
      const a = await getJson("/api/alerts/" + encodeURIComponent(id));
      const ev = await getJson("/api/alerts/" + encodeURIComponent(id) + "/evidence").catch((e) => {
        if (role === "viewer") return {checks: [], viewer: true};
        throw e;
      });
      const dl = document.createElement("dl");
      dl.className = "kv";
      const add = (k, v) => dl.append(text("dt", k), text("dd", v));
      add("type", a.type); add("severity", a.severity); add("status", a.status);
      add("group", a.group || "—"); add("entity", a.entityKey == null ? "—" : a.entityKey + (a.version != null ? " v" + a.version : ""));
      add("nodes", (a.nodes || []).join(", ")); add("detail", a.detail);
      add("detected", a.detectedAt); add("first event", a.firstEventTime);
      if (a.resolvedAt) add("resolved", a.resolvedAt);
      if (a.majorityHash) add("majority hash", a.majorityHash);
      Object.entries(a.attributes || {}).forEach(([k, v]) => add(k, v));
      const evDiv = document.createElement("div");
      evDiv.id = "evidence";
      evDiv.append(text("h3", `Evidence (${ev.checks.length} signed record${ev.checks.length === 1 ? "" : "s"}, re-verified by this server against the registered keys)`));
      if (ev.viewer) evDiv.append(text("p", "Evidence is shown to the operator role only; this token is a viewer.", "empty"));
      else if (!ev.checks.length) evDiv.append(text("p", "This alert carries no signed evidence.", "empty"));
      ev.checks.forEach((c) => {
        const box = document.createElement("div");
        box.className = "evidence";
        box.dataset.verdict = c.verdict;
        const head = document.createElement("div");
        head.append(text("span", c.verdict, "verdict " + c.verdict), document.createTextNode(
          ` node ${c.nodeId} · key ${c.keyId} · batch #${c.batchSeq} · ${c.topic}[${c.partition}]@${c.offset}`));
        box.append(head, text("p", c.reason + (c.confirmsAuditor ? "" : " (differs from what the auditor recorded)")));
        if (c.reports.length) {
          const t = document.createElement("table");
          const hr = document.createElement("tr");
          ["entity", "version", "op", "prev hash", "state hash"].forEach((h) => hr.append(text("th", h)));
          t.append(hr);
          c.reports.slice(0, 20).forEach((r) => {
            const tr = document.createElement("tr");
            tr.append(text("td", r.entityKey), text("td", r.version), text("td", r.opId),
              text("td", (r.prevStateHash || "").slice(0, 16)), text("td", (r.stateHash || "").slice(0, 16)));
            t.append(tr);
          });
          box.append(t);
          if (c.reports.length > 20) box.append(text("p", `… and ${c.reports.length - 20} more reports`, "empty"));
        }
        evDiv.append(box);
      });
      const parts = [dl];
      if (a.status === "OPEN" || a.status === "UPDATED") parts.push(ackForm(a));
      parts.push(evDiv);
      body.replaceChildren(...parts);
    } catch (e) {
      body.replaceChildren(text("p", "Cannot load the alert: " + e.message, "bad"));
    }
  }

  /** Acknowledge (operator role): POST /api/alerts/{id}/ack with a reason. */
  function ackForm(a) {
    const form = document.createElement("form");
    form.id = "ack";
    const reason = document.createElement("input");
    reason.placeholder = "why is it acknowledged? (kept with the alert)";
    reason.required = true;
    reason.setAttribute("aria-label", "acknowledgement reason");
    const button = text("button", "Acknowledge");
    button.type = "submit";
    const note = text("span", "", "empty");
    form.append(reason, button, note);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const r = await fetch("/api/alerts/" + encodeURIComponent(a.alertId) + "/ack", {
        method: "POST",
        headers: {"Content-Type": "application/json", Accept: "application/json", ...authHeaders()},
        body: JSON.stringify({reason: reason.value}),
      });
      const body = await r.json().catch(() => ({}));
      note.textContent = r.ok
        ? " acknowledged; the alert turns ACKNOWLEDGED in a moment"
        : ` not acknowledged: ${body.error || r.status}: ${body.detail || ""}`;
    });
    return form;
  }

  async function loadStatus() {
    const [n, g] = await Promise.all([getJson("/api/nodes"), getJson("/api/groups")]);
    const groups = $("#groups");
    groups.replaceChildren(...g.groups.slice(0, 200).map((x) => {
      const d = document.createElement("div");
      d.className = "tile " + x.health;
      d.dataset.group = x.group;
      d.append(text("b", x.group), text("span", `${x.health} · ${x.members.length} member${x.members.length === 1 ? "" : "s"}`));
      const open = Object.entries(x.openBySeverity).map(([k, v]) => `${v} ${k.toLowerCase()}`).join(", ");
      if (open) d.append(text("div", open));
      return d;
    }));
    if (!g.groups.length) groups.append(text("p", "No groups registered.", "empty"));
    const nodes = $("#nodes");
    nodes.replaceChildren(...n.nodes.slice(0, 500).map((x) => {
      const d = document.createElement("div");
      d.className = "tile" + (x.silent ? " silent" : "") + (x.suspect ? " suspect" : "");
      d.dataset.node = x.nodeId;
      d.append(text("b", x.nodeId), text("span", `${x.region || "?"} · ${x.registryStatus}`));
      const flags = document.createElement("div");
      flags.className = "flags";
      if (x.suspect) flags.append(text("span", "SUSPECT", "bad"));
      if (x.silent) flags.append(text("span", "SILENT", "bad"));
      if (!x.suspect && !x.silent) flags.append(text("span", "OK", "good"));
      flags.append(document.createTextNode(`${x.openAlerts} open / ${x.totalAlerts} alert${x.totalAlerts === 1 ? "" : "s"} · hb ${time(x.lastHeartbeat)}`));
      d.append(flags);
      return d;
    }));
    if (!n.nodes.length) nodes.append(text("p", "No nodes registered.", "empty"));
    let critical = 0, open = 0;
    g.groups.forEach((x) => Object.entries(x.openBySeverity).forEach(([k, v]) => { open += v; if (k === "CRITICAL") critical += v; }));
    $("#summary").replaceChildren(
      text("span", `${g.groups.length} groups`, "chip"), text("span", `${n.nodes.length} nodes`, "chip"),
      text("span", `${n.nodes.filter((x) => x.suspect).length} suspect`, "chip"),
      text("span", `${open} open alerts (${critical} critical)`, "chip"));
  }

  let statusTimer = null;
  function scheduleStatus() {
    if (statusTimer) return;
    statusTimer = setTimeout(() => {
      statusTimer = null;
      loadStatus().catch(() => {});
      loadRate().catch(() => {});
    }, 500);
  }

  async function loadRate() {
    const r = await getJson("/api/alerts/rate?buckets=30&bucketSeconds=60");
    const start = new Date(r.start).getTime();
    const labels = Array.from({length: 30}, (_, i) => new Date(start + i * r.bucketSeconds * 1000).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"}));
    HeraldCharts.stackedBars($("#rate-chart"), r.byType, labels);
  }

  async function loadFlink() {
    const [av, risk] = await Promise.all([getJson("/api/availability"), getJson("/api/risk")]);
    const series = {};
    av.windows.filter((w) => w.scope === "GROUP" || w.scope === "REGION").forEach((w) => {
      const k = w.scope.toLowerCase() + " " + w.scopeId;
      (series[k] = series[k] || []).push([new Date(w.windowEnd).getTime(), w.upFraction]);
    });
    if (Object.keys(series).length) HeraldCharts.lines($("#availability"), Object.fromEntries(Object.entries(series).slice(0, 8)));
    if (risk.reports.length) {
      const t = document.createElement("table");
      t.className = "risk-table";
      const hr = document.createElement("tr");
      ["group", "window", "availability", "SLO", "budget burn", "quorum loss", "risk"].forEach((h) => hr.append(text("th", h)));
      t.append(hr);
      risk.reports.slice(0, 50).forEach((r) => {
        const tr = document.createElement("tr");
        tr.append(text("td", r.group), text("td", r.window), text("td", (r.availability * 100).toFixed(3) + "%"),
          text("td", r.sloMet ? "met" : "missed", r.sloMet ? "good" : "bad"),
          text("td", (r.errorBudgetBurn * 100).toFixed(0) + "%"), text("td", r.quorumLossMinutes.toFixed(1) + " min"),
          text("td", r.riskScore.toFixed(2)));
        t.append(tr);
      });
      $("#risk").replaceChildren(t);
    }
  }

  /** "99.95 % (3.30 nines)" or "100 % (≥ 3.00 nines)", as the report writes it. */
  function ninesText(w) {
    if (!w.versions) return "no closed versions";
    return (w.share * 100).toPrecision(6).replace(/\.?0+$/, "") + " % (" + (w.ninesAtLeast ? "≥ " : "") + w.nines.toFixed(2) + " nines)";
  }

  async function loadConsistency() {
    const c = await getJson("/api/consistency");
    const series = {}, latest = {};
    c.windows.forEach((w) => {
      const k = "group " + w.group;
      (series[k] = series[k] || []).push([new Date(w.windowEnd).getTime(), w.share]);
      latest[w.group] = w;
    });
    if (!Object.keys(series).length) return;
    HeraldCharts.lines($("#consistency"), Object.fromEntries(Object.entries(series).slice(0, 8)));
    const t = document.createElement("table");
    t.className = "risk-table";
    const hr = document.createElement("tr");
    ["group", "within M", "latest window", "target", "burn fast / slow", "alert"].forEach((h) => hr.append(text("th", h)));
    t.append(hr);
    Object.values(latest).slice(0, 50).forEach((w) => {
      const tr = document.createElement("tr");
      tr.append(text("td", w.group), text("td", (w.withinMs / 1000) + " s"), text("td", ninesText(w)),
        text("td", (w.target * 100) + " %"),
        text("td", w.fastBurnRate.toFixed(1) + " / " + w.slowBurnRate.toFixed(1)),
        text("td", w.burnAlert ? "burning" : "ok", w.burnAlert ? "bad" : "good"));
      t.append(tr);
    });
    $("#consistency-now").replaceChildren(t);
  }

  $("#detail-close").addEventListener("click", () => { $("#detail").hidden = true; selected = null; });
  ["#f-severity", "#f-status"].forEach((s) => $(s).addEventListener("change", () => loadAlerts().catch(() => {})));
  const every = (ms, f) => { f().catch(() => {}); setInterval(() => f().catch(() => {}), ms); };
  loadAlerts().catch(() => {});
  connect();
  every(5000, loadStatus);
  every(10000, loadRate);
  every(30000, loadFlink);
  every(30000, loadConsistency);
})();
