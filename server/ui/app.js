// destemu's web UI: one hand-written script, no build step, nothing fetched
// from elsewhere. It calls the control plane mounted for the UI under
// /_emulator/ui/api (a UI session stands in for the admin token) and follows
// the request log over server-sent events. State views are not written here
// one by one: they are read from the control plane's OpenAPI document, so a
// destination's new view appears without changes to this file.
"use strict";

const API = "/_emulator/ui/api";
const MAX_ROWS = 500;

const ui = {
  ns: localStorage.getItem("destemu.ns") || "default",
  stream: null,
  maxId: 0,
  views: null, // from OpenAPI: {dest: [{name, path, summary, query, detail}]}
  stateTimer: 0,
  clock: null, // {now: Date, frozen, at: performance.now()}
};

// ---- small helpers -------------------------------------------------------

function $(sel, root) { return (root || document).querySelector(sel); }
function $$(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }

// el builds an element: el("td", {class: "x", onclick: f}, "text", child...).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function notice(msg) {
  const n = $("#notice");
  n.textContent = msg;
  n.hidden = !msg;
}

// api calls the control plane in the current namespace and answers the
// decoded JSON (or text); a refusal becomes an Error with its message.
async function api(method, path, body, opts) {
  opts = opts || {};
  const headers = { "X-Destemu-UI": "1", "X-Destemu-Namespace": opts.ns || ui.ns };
  if (body !== undefined && typeof body !== "string") {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(body);
  } else if (body !== undefined) {
    headers["Content-Type"] = opts.type || "application/yaml";
  }
  const resp = await fetch(API + path, { method, headers, body, credentials: "same-origin" });
  if (resp.status === 401) { location.reload(); throw new Error("signed out"); }
  const text = await resp.text();
  if (!resp.ok) {
    let msg = text;
    try { msg = JSON.parse(text).message || text; } catch (_) { /* not JSON */ }
    throw new Error(resp.status + ": " + msg);
  }
  if (!text) return null;
  return (resp.headers.get("Content-Type") || "").includes("json") ? JSON.parse(text) : text;
}

// act runs a user action, showing its error instead of losing it.
async function act(f) {
  try {
    notice("");
    await f();
  } catch (err) {
    notice(err.message);
  }
}

function fmtTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function short(v, n) {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== undefined && v !== null) q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

// ---- sections ------------------------------------------------------------

function showSection() {
  const name = (location.hash || "#requests").slice(1).split("/")[0];
  let found = false;
  for (const s of $$("[data-section]")) {
    s.hidden = s.dataset.section !== name;
    found = found || !s.hidden;
  }
  if (!found) $("[data-section=requests]").hidden = false;
  for (const a of $$("[data-tab]")) {
    if (a.dataset.tab === (found ? name : "requests")) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (name === "state") act(() => loadState(false));
  if (name === "namespaces") act(loadNamespaces);
  if (name === "faults") act(loadFaults);
}

function visible(name) { return !$("[data-section=" + name + "]").hidden; }

// ---- namespaces and the clock ----------------------------------------------

async function loadNamespaces() {
  const list = await api("GET", "/namespaces");
  const sel = $("#ns");
  sel.replaceChildren(...list.items.map((n) => el("option", { value: n.name, selected: n.name === ui.ns }, n.name)));
  if (!list.items.some((n) => n.name === ui.ns)) {
    sel.append(el("option", { value: ui.ns, selected: true }, ui.ns));
  }
  const tbody = $("#ns-table tbody");
  tbody.replaceChildren(...list.items.map((n) => el("tr", { "data-ns": n.name },
    el("th", { scope: "row" }, n.name, n.name === ui.ns ? el("span", { class: "tag" }, " (shown)") : ""),
    el("td", {}, el("time", { datetime: n.clock.now || "" }, fmtTime(n.clock.now) || "real time")),
    el("td", {}, clockMode(n.clock)),
    el("td", { class: "num" }, n.requests),
    el("td", { class: "actions" },
      n.name === ui.ns ? "" : el("button", { type: "button", onclick: () => switchNamespace(n.name), "aria-label": "Show namespace " + n.name }, "Show"),
      n.name === "default" ? "" : el("button", { type: "button", class: "danger", "aria-label": "Delete namespace " + n.name,
        onclick: () => act(async () => {
          if (!confirm("Delete namespace " + n.name + " and everything in it?")) return;
          await api("DELETE", "/namespaces/" + encodeURIComponent(n.name));
          if (n.name === ui.ns) switchNamespace("default");
          await loadNamespaces();
        }) }, "Delete")))));
  for (const s of $$(".ns-name")) s.textContent = ui.ns;
  await loadClock();
}

function clockMode(c) {
  if (c.frozen) return "frozen";
  if (c.offset && c.offset !== "0s") return "running, " + c.offset + " from real time";
  return "real time";
}

async function loadClock() {
  const c = await api("GET", "/clock");
  setClock(c);
}

function setClock(c) {
  ui.clock = { now: c.now ? new Date(c.now) : new Date(), frozen: c.frozen, at: performance.now(), state: c };
  $("#clock-state").textContent = "Now " + fmtTime(ui.clock.now.toISOString()) + ": " + clockMode(c) + ".";
  tickClock();
}

function tickClock() {
  if (!ui.clock) return;
  let now = ui.clock.now;
  if (!ui.clock.frozen) now = new Date(now.getTime() + (performance.now() - ui.clock.at));
  $("#clock-now").textContent = "Clock " + fmtTime(now.toISOString()) + (ui.clock.frozen ? " (frozen)" : "");
}

function switchNamespace(name) {
  ui.ns = name;
  localStorage.setItem("destemu.ns", name);
  for (const s of $$(".ns-name")) s.textContent = name;
  $("#ns").value = name;
  restartLog();
  act(loadNamespaces);
  if (visible("state")) act(loadState);
  if (visible("faults")) act(loadFaults);
}

function clockForms() {
  for (const b of $$("[data-clock]")) {
    b.addEventListener("click", () => act(async () => {
      setClock(await api("POST", "/clock/" + b.dataset.clock));
      await loadNamespaces();
    }));
  }
  $("#clock-advance").addEventListener("submit", (ev) => {
    ev.preventDefault();
    act(async () => {
      setClock(await api("POST", "/clock/advance", { duration: ev.target.duration.value.trim() }));
      await loadNamespaces();
      refreshStateSoon();
    });
  });
  $("#clock-set").addEventListener("submit", (ev) => {
    ev.preventDefault();
    act(async () => {
      const t = new Date(ev.target.time.value + "Z"); // the input's time is read as UTC
      setClock(await api("POST", "/clock/set", { time: t.toISOString(), freeze: ev.target.freeze.checked }));
      await loadNamespaces();
      refreshStateSoon();
    });
  });
  $("#ns-create").addEventListener("submit", (ev) => {
    ev.preventDefault();
    act(async () => {
      const name = ev.target.name.value.trim();
      await api("POST", "/namespaces", { name });
      ev.target.reset();
      switchNamespace(name);
    });
  });
  $("#ns-reset").addEventListener("click", () => act(async () => {
    if (!confirm("Reset namespace " + ui.ns + "?")) return;
    await api("POST", "/reset");
    restartLog();
    await loadNamespaces();
  }));
  $("#ns").addEventListener("change", (ev) => switchNamespace(ev.target.value));
}

// ---- the live request log --------------------------------------------------

function filters() {
  const f = {};
  for (const [k, v] of new FormData($("#filters"))) if (String(v).trim()) f[k] = String(v).trim();
  return f;
}

const outcomeMark = { ok: "✓", ignored: "–", duplicate: "↺", refused: "✗", faulted: "⚡" };

function whatHappened(e) {
  if (e.message) return e.message;
  if (e.actions && e.actions.length) return e.actions.join("; ");
  return "";
}

function logRow(e) {
  const who = [e.event ? "“" + e.event + "”" : "", e.userId || e.anonymousId || ""].filter(Boolean).join(" · ");
  const open = el("button", { type: "button", class: "rowbtn", "aria-expanded": "false",
    "aria-label": "Request " + e.id + ", show details" }, "#" + e.id);
  const tr = el("tr", { "data-id": e.id, class: "entry outcome-" + e.outcome },
    el("td", {}, open),
    el("td", {}, el("time", { datetime: e.time, title: e.time }, fmtTime(e.time).slice(11))),
    el("td", {}, e.destination),
    el("td", {}, e.account || ""),
    el("td", {}, e.type || ""),
    el("td", {}, who),
    el("td", { class: "num" }, e.status),
    el("td", {}, el("span", { class: "outcome" }, (outcomeMark[e.outcome] || "") + " " + e.outcome)),
    el("td", { class: "what" }, whatHappened(e),
      e.warnings && e.warnings.length ? el("span", { class: "warn" }, " ⚠ " + e.warnings.length + " warning" + (e.warnings.length > 1 ? "s" : "")) : "",
      e.fault ? el("span", { class: "warn" }, " [fault " + e.fault + "]") : ""));
  const toggle = () => toggleDetail(tr, e, open);
  open.addEventListener("click", (ev) => { ev.stopPropagation(); toggle(); });
  tr.addEventListener("click", (ev) => { if (!window.getSelection().toString()) toggle(); });
  return tr;
}

function toggleDetail(tr, e, btn) {
  const next = tr.nextElementSibling;
  if (next && next.classList.contains("detail")) {
    next.remove();
    btn.setAttribute("aria-expanded", "false");
    return;
  }
  btn.setAttribute("aria-expanded", "true");
  let body = e.body;
  if (body !== undefined && typeof body !== "string") body = JSON.stringify(body, null, 2);
  const answer = e.outcome === "refused" || e.outcome === "faulted"
    ? { message: e.message || "" }
    : { status: e.outcome, reason: e.message, actions: e.actions, warnings: e.warnings, requestId: e.id };
  tr.after(el("tr", { class: "detail" }, el("td", { colspan: 9 },
    el("div", { class: "detail-grid" },
      el("div", {},
        el("h3", {}, "Request"),
        el("dl", { class: "kv" },
          kv("Namespace", e.namespace), kv("Key", e.key), kv("Message id", e.messageId),
          kv("User id", e.userId), kv("Anonymous id", e.anonymousId), kv("Time (namespace clock)", fmtTime(e.time)),
          kv("Handled in", e.latencyMs + " ms")),
        el("h4", {}, "Body"),
        el("pre", { class: "json", tabindex: "0" }, body || "(none)")),
      el("div", {},
        el("h3", {}, "Answer: " + e.status + " " + e.outcome),
        el("pre", { class: "json", tabindex: "0" }, JSON.stringify(answer, null, 2)),
        e.actions && e.actions.length ? [el("h4", {}, "What it did"), el("ul", {}, e.actions.map((a) => el("li", {}, a)))] : "",
        e.warnings && e.warnings.length ? [el("h4", {}, "Warnings"), el("ul", { class: "warnings" }, e.warnings.map((w) => el("li", {}, "⚠ " + w)))] : "")))));
}

function kv(k, v) {
  if (v === undefined || v === null || v === "") return "";
  return [el("dt", {}, k), el("dd", {}, String(v))];
}

function addEntries(entries) {
  const tbody = $("#log tbody");
  for (const e of entries) {
    if (e.id <= ui.maxId) continue;
    ui.maxId = e.id;
    tbody.prepend(logRow(e));
  }
  const rows = $$("tr.entry", tbody);
  for (const r of rows.slice(MAX_ROWS)) {
    const d = r.nextElementSibling;
    if (d && d.classList.contains("detail")) d.remove();
    r.remove();
  }
  const n = $$("tr.entry", tbody).length;
  $("#log-empty").hidden = n > 0;
  $("#log-count").textContent = n ? n + " request" + (n > 1 ? "s" : "") + " shown" : "";
}

async function restartLog() {
  if (ui.stream) ui.stream.close();
  ui.stream = null;
  const gen = ui.gen = (ui.gen || 0) + 1; // a newer restart wins over this one
  const f = filters();
  let list = { items: [] };
  try {
    list = await api("GET", "/requests" + qs(Object.assign({ limit: 200 }, f)));
  } catch (err) {
    notice(err.message);
  }
  if (gen !== ui.gen) return;
  ui.maxId = 0;
  $("#log tbody").replaceChildren();
  addEntries(list.items.slice().reverse());
  const src = new EventSource(API + "/requests/stream" + qs(Object.assign({ namespace: ui.ns, after: ui.maxId }, f)));
  ui.stream = src;
  const live = $("#live");
  src.onopen = () => { live.textContent = "● Live"; live.dataset.state = "live"; };
  src.onerror = () => { live.textContent = "○ Reconnecting…"; live.dataset.state = "down"; };
  src.onmessage = (m) => {
    const e = JSON.parse(m.data);
    addEntries([e]);
    entryArrived(e);
  };
}

// entryArrived keeps the other views current as webhooks change state.
function entryArrived(e) {
  if (visible("state") && $("#st-dest").value === e.destination) refreshStateSoon();
  if (visible("namespaces")) refreshSoon("ns", loadNamespaces);
  if (visible("faults") && e.fault) refreshSoon("faults", loadFaults);
}

const timers = {};
function refreshSoon(name, f) {
  clearTimeout(timers[name]);
  timers[name] = setTimeout(() => act(f), 250);
}
function refreshStateSoon() { if (visible("state")) refreshSoon("state", () => loadState(true)); }

// ---- accounts and state, from the OpenAPI document ---------------------------

async function loadViews() {
  if (ui.views) return ui.views;
  const doc = await api("GET", "/openapi.json");
  const views = {};
  const re = /^\/_emulator\/([^/]+)\/accounts\/\{account\}\/(.+)$/;
  for (const [path, item] of Object.entries(doc.paths)) {
    const m = path.match(re);
    if (!m || !item.get || m[2] === "keys" || m[2].startsWith("keys/")) continue;
    const [, dest, rest] = m;
    (views[dest] = views[dest] || []).push({ path: rest, summary: item.get.summary || rest,
      query: (item.get.parameters || []).filter((p) => p.in === "query").map((p) => p.name) });
  }
  for (const dest of Object.keys(views)) {
    const all = views[dest];
    const lists = all.filter((v) => !v.path.includes("{"));
    for (const l of lists) {
      // A detail route is the list's path with one more {param}.
      const d = all.find((v) => v.path.startsWith(l.path + "/{") && v.path.indexOf("/", l.path.length + 1) < 0);
      if (d) l.detail = { path: d.path, param: d.path.slice(l.path.length + 2, -1) };
    }
    views[dest] = lists;
  }
  ui.views = views;
  return views;
}

async function loadState(keepDetail) {
  const dest = $("#st-dest").value;
  const gen = ui.stateGen = (ui.stateGen || 0) + 1; // a newer load wins over this one
  const [views, accounts] = await Promise.all([loadViews(), api("GET", "/" + dest + "/accounts")]);
  if (gen !== ui.stateGen) return;
  const sel = $("#st-account");
  const current = sel.value;
  sel.replaceChildren(...accounts.items.map((a) => el("option", { value: a.id }, a.id)));
  if (accounts.items.some((a) => a.id === current)) sel.value = current;
  $("#st-empty").hidden = accounts.items.length > 0;
  const account = accounts.items.find((a) => a.id === sel.value);
  renderAccount(dest, account);
  const tabs = $("#st-views");
  if (!account) {
    tabs.replaceChildren();
    $("#st-view").replaceChildren();
    $("#st-detail").hidden = true;
    return;
  }
  const list = views[dest] || [];
  const selected = tabs.dataset.dest === dest && list.some((v) => v.path === tabs.dataset.view) ? tabs.dataset.view : (list[0] || {}).path;
  tabs.dataset.dest = dest;
  tabs.dataset.view = selected || "";
  tabs.replaceChildren(...list.map((v) => el("button", { type: "button", role: "tab", title: v.summary,
    "aria-selected": String(v.path === selected), tabindex: v.path === selected ? "0" : "-1",
    onclick: () => { tabs.dataset.view = v.path; $("#st-detail").hidden = true; act(() => loadState(false)); },
    onkeydown: tabKeys }, v.path)));
  if (!keepDetail) $("#st-detail").hidden = true;
  const view = list.find((v) => v.path === selected);
  if (view) await renderView(dest, account.id, view);
  if (keepDetail && !$("#st-detail").hidden && ui.detail) await openDetail(...ui.detail);
}

// tabKeys moves between view tabs with the arrow keys, as a tab list does.
function tabKeys(ev) {
  const tabs = $$("[role=tab]", ev.target.parentElement);
  const i = tabs.indexOf(ev.target);
  const j = ev.key === "ArrowRight" ? (i + 1) % tabs.length : ev.key === "ArrowLeft" ? (i - 1 + tabs.length) % tabs.length : -1;
  if (j < 0) return;
  ev.preventDefault();
  tabs[j].focus();
  tabs[j].click();
}

function renderAccount(dest, a) {
  const box = $("#st-account-info");
  if (!a) { box.replaceChildren(); return; }
  const keyRows = (a.keys || []).map((k) => el("tr", {},
    el("td", {}, el("code", {}, k.value)),
    el("td", {}, k.status),
    el("td", {}, k.permission || ""),
    el("td", { class: "actions" }, ["revoke", "activate", "deactivate"].filter((v) => v !== verbOf(k.status)).map((verb) =>
      el("button", { type: "button", class: verb === "revoke" ? "danger" : "", "aria-label": verb + " key " + k.value,
        onclick: () => act(async () => {
          await api("POST", "/" + dest + "/accounts/" + encodeURIComponent(a.id) + "/keys/" + encodeURIComponent(k.value) + "/" + verb);
          await loadState(true);
        }) }, verb)))));
  box.replaceChildren(el("div", { class: "account" },
    el("h3", {}, "Account " + a.id, a.provisioned ? el("span", { class: "tag" }, " provisioned by its first webhook") : ""),
    el("dl", { class: "kv" }, kv("Created", fmtTime(a.created)),
      Object.entries(a.settings || {}).map(([k, v]) => kv("Setting " + k, typeof v === "string" ? v : JSON.stringify(v))),
      a.config ? kv("Vendor configuration", short(a.config, 200)) : ""),
    el("table", { class: "grid keys" }, el("caption", {}, "API keys"),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Key"), el("th", { scope: "col" }, "Status"),
        el("th", { scope: "col" }, "Permission"), el("th", { scope: "col" }, el("span", { class: "sr-only" }, "Actions")))),
      el("tbody", {}, keyRows))));
}

function verbOf(status) {
  return { active: "activate", inactive: "deactivate", revoked: "revoke" }[status];
}

async function renderView(dest, account, view) {
  const gen = ui.stateGen;
  const base = "/" + dest + "/accounts/" + encodeURIComponent(account) + "/";
  const box = $("#st-view");
  const form = view.query.length ? viewFilters(view, () => act(() => renderView(dest, account, view))) : null;
  const q = {};
  if (form) for (const [k, v] of new FormData(form)) if (v) q[k] = v;
  const data = await api("GET", base + view.path + qs(q));
  if (gen !== ui.stateGen) return;
  const items = data && Array.isArray(data.items) ? data.items : Array.isArray(data) ? data : null;
  const content = items
    ? [el("p", { class: "count" }, (data.total !== undefined ? data.total : items.length) + " " + view.path),
      table(items, view.detail && ((row) => {
        const id = row[view.detail.param] !== undefined ? row[view.detail.param] : row.id !== undefined ? row.id : row.userId;
        return id === undefined ? null : () => act(() => openDetail(dest, account, view, String(id)));
      }))]
    : [value(data)];
  box.replaceChildren(el("h3", {}, view.summary), form || "", ...content);
}

function viewFilters(view, reload) {
  ui.viewFilters = ui.viewFilters || {};
  const old = ui.viewFilters[view.path];
  if (old) return old;
  const form = el("form", { class: "filters", "aria-label": "Filter " + view.path },
    view.query.map((q) => el("label", {}, q + " ", el("input", { name: q, size: 10 }))),
    el("button", { type: "submit" }, "Filter"));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); reload(); });
  ui.viewFilters[view.path] = form;
  return form;
}

async function openDetail(dest, account, view, id) {
  ui.detail = [dest, account, view, id];
  const path = "/" + dest + "/accounts/" + encodeURIComponent(account) + "/" + view.path + "/" + encodeURIComponent(id);
  const data = await api("GET", path);
  const panel = $("#st-detail");
  const h = el("h3", { tabindex: "-1" }, view.path + " / " + (label(data) || id));
  panel.replaceChildren(el("div", { class: "panel-head" }, h,
    el("button", { type: "button", onclick: () => { panel.hidden = true; ui.detail = null; } }, "Close")), value(data));
  const wasHidden = panel.hidden;
  panel.hidden = false;
  if (wasHidden) h.focus();
}

// table renders rows of objects with the union of their fields as columns.
function table(items, opener) {
  if (!items.length) return el("p", { class: "empty" }, "None yet.");
  // Columns: every field some row has a value in (empty everywhere: left out).
  const cols = [];
  for (const it of items.slice(0, 100)) {
    if (it && typeof it === "object") for (const k of Object.keys(it)) if (!cols.includes(k) && !empty(it[k])) cols.push(k);
  }
  if (!cols.length) return el("ul", {}, items.map((it) => el("li", {}, short(it, 200))));
  return el("div", { class: "scroll" }, el("table", { class: "grid state" },
    el("thead", {}, el("tr", {}, opener ? el("th", { scope: "col" }, el("span", { class: "sr-only" }, "Open")) : "",
      cols.map((c) => el("th", { scope: "col" }, c)))),
    el("tbody", {}, items.map((it) => {
      const open = opener && opener(it);
      return el("tr", {},
        opener ? el("td", {}, open ? el("button", { type: "button", onclick: open, "aria-label": "Open " + label(it) }, "Open") : "") : "",
        cols.map((c) => cell(it[c])));
    }))));
}

function cell(v) {
  if (v === undefined || v === null) return el("td", { class: "nil" }, "");
  if (typeof v === "object") {
    const s = JSON.stringify(v);
    return el("td", { class: "obj", title: s.length > 60 ? s : null }, el("code", {}, short(s, 60)));
  }
  if (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v)) return el("td", {}, el("time", { datetime: v }, fmtTime(v)));
  return el("td", { class: typeof v === "number" ? "num" : "" }, String(v));
}

function empty(v) {
  return v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length) ||
    (typeof v === "object" && !Array.isArray(v) && !Object.keys(v).length);
}

// label names a row for a person: its user id, name or email before its id.
function label(row) {
  for (const k of ["user_id", "userId", "name", "email", "id"]) if (row && !empty(row[k])) return String(row[k]);
  return "";
}

// value renders any JSON value: objects as definition lists, lists of
// objects as tables, the rest as text.
function value(v, depth) {
  depth = depth || 0;
  if (v === null || v === undefined) return el("span", { class: "nil" }, "none");
  if (Array.isArray(v)) {
    if (!v.length) return el("span", { class: "nil" }, "none");
    if (v.every((x) => x && typeof x === "object" && !Array.isArray(x))) return table(v);
    return el("span", {}, v.map((x) => short(x, 80)).join(", "));
  }
  if (typeof v === "object") {
    if (depth > 3) return el("code", {}, short(v, 200));
    const blank = Object.keys(v).filter((k) => empty(v[k]));
    return el("dl", { class: "kv" }, Object.entries(v).filter(([k]) => !blank.includes(k)).map(([k, x]) => [el("dt", {}, k), el("dd", {}, value(x, depth + 1))]),
      blank.length ? [el("dt", { class: "nil" }, "empty"), el("dd", { class: "nil" }, blank.join(", "))] : "");
  }
  if (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v)) return el("time", { datetime: v }, fmtTime(v));
  return el("span", {}, String(v));
}

// ---- faults --------------------------------------------------------------------

async function loadFaults() {
  const list = await api("GET", "/faults");
  $("#fault-empty").hidden = list.items.length > 0;
  $("#fault-table").hidden = list.items.length === 0;
  $("#fault-table tbody").replaceChildren(...list.items.map((r) => el("tr", {},
    el("td", {}, el("code", {}, r.id)),
    el("td", {}, Object.entries(r.match || {}).map(([k, v]) => k + "=" + v).join(" ") || "every request"),
    el("td", {}, describeAction(r.action)),
    el("td", {}, (r.times ? r.remaining + " of " + r.times + " left" : "always") + (r.probability ? ", p=" + r.probability : "")),
    el("td", { class: "num" }, r.applied),
    el("td", { class: "actions" }, el("button", { type: "button", class: "danger", "aria-label": "Delete fault rule " + r.id,
      onclick: () => act(async () => { await api("DELETE", "/faults/" + encodeURIComponent(r.id)); await loadFaults(); }) }, "Delete")))));
}

function describeAction(a) {
  switch (a.kind) {
    case "status": return "answer " + a.status + (a.retryAfter ? " (Retry-After " + a.retryAfter + ")" : "") + (a.message ? ": " + a.message : "");
    case "latency": return "delay " + a.latency + (a.jitter ? " ± " + a.jitter : "");
    case "timeout": return "hold " + (a.after || "10s") + ", then 504";
    default: return a.kind;
  }
}

function faultForms() {
  $("#fault-add").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const match = {};
    for (const k of ["destination", "account", "type", "event", "userId"]) if (f[k].value.trim()) match[k] = f[k].value.trim();
    const action = { kind: f.kind.value };
    if (action.kind === "status") action.status = Number(f.status.value);
    if (f.retryAfter.value.trim()) action.retryAfter = f.retryAfter.value.trim();
    if (f.latency.value.trim()) action.latency = f.latency.value.trim();
    const rule = { match, action };
    if (f.times.value.trim()) rule.times = Number(f.times.value);
    if (f.probability.value.trim()) rule.probability = Number(f.probability.value);
    act(async () => { await api("POST", "/faults", rule); await loadFaults(); });
  });
  $("#fault-clear").addEventListener("click", () => act(async () => { await api("DELETE", "/faults"); await loadFaults(); }));
}

// ---- scenarios -------------------------------------------------------------------

function scenarioForms() {
  $("#scenario-file").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (file) $("#scenario-text").value = await file.text();
  });
  $("#scenario-run").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const out = $("#scenario-report");
    act(async () => {
      out.hidden = false;
      out.textContent = "Running…";
      try {
        const text = $("#scenario-text").value;
        const type = text.trim().startsWith("{") ? "application/json" : "application/yaml";
        out.textContent = await api("POST", "/scenarios" + qs({ format: "text", keep: ev.target.keep.checked ? "true" : "" }), text, { type });
      } catch (err) {
        out.textContent = err.message;
      }
      await loadNamespaces();
    });
  });
}

// ---- start -------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  for (const s of $$(".origin")) s.textContent = location.origin;
  $("#filters").addEventListener("change", () => restartLog());
  $("#filters").addEventListener("reset", () => setTimeout(restartLog));
  $("#filters").addEventListener("submit", (ev) => { ev.preventDefault(); restartLog(); });
  $("#st-dest").addEventListener("change", () => { $("#st-account").value = ""; act(() => loadState(false)); });
  $("#st-account").addEventListener("change", () => act(() => loadState(false)));
  $("#st-refresh").addEventListener("click", () => act(() => loadState(true)));
  clockForms();
  faultForms();
  scenarioForms();
  window.addEventListener("hashchange", showSection);
  setInterval(tickClock, 1000);
  act(loadNamespaces);
  restartLog();
  showSection();
});
