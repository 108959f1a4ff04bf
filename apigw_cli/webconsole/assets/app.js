// The apigw console: plain browser JavaScript, no build step. Everything it loads comes from the
// gateway it is served by (the page's Content-Security-Policy says so).
"use strict";

const BASE = location.pathname.replace(/\/+$/, "");
const consoleUrl = (name) => `${BASE}/console/${name}`;
const SAMPLE_MS = 2000;
const SAMPLES = 150; // 5 minutes of 2-second samples
const state = {
  routes: [],
  exchanges: [],
  paused: false,
  held: [],
  routeFilter: null,
  selected: null,
  samples: [],
  reloads: [],
  swagger: null,
  history: 200,
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  return node;
}

async function getJSON(name) {
  const response = await fetch(consoleUrl(name), { cache: "no-store" });
  if (!response.ok) throw new Error(`${name}: ${response.status}`);
  return response.json();
}

// ---------------------------------------------------------------- views
function show(view) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== view;
  if (view === "stage") loadStage();
  for (const button of document.querySelectorAll("nav button")) {
    button.setAttribute("aria-selected", String(button.dataset.view === view));
  }
  if (view === "reference" && !state.swagger) loadReference();
}

// ---------------------------------------------------------------- reference
function loadReference() {
  if (typeof window.SwaggerUIBundle !== "function") {
    document.getElementById("swagger").textContent = "Swagger UI's files are not installed (pip install swagger-ui-py).";
    return;
  }
  state.swagger = window.SwaggerUIBundle({
    url: consoleUrl("openapi.json"),
    dom_id: "#swagger",
    deepLinking: false,
    tryItOutEnabled: true,
    validatorUrl: null,
    requestInterceptor: (request) => {
      const key = document.getElementById("api-key").value;
      const bearer = document.getElementById("bearer").value;
      const has = (name) => Object.keys(request.headers).some((h) => h.toLowerCase() === name);
      if (key && !has("x-api-key")) request.headers["x-api-key"] = key;
      if (bearer && !has("authorization")) request.headers["Authorization"] = `Bearer ${bearer}`;
      return request;
    },
  });
}

function openReference(route) {
  show("reference");
  if (!route.operationId) return;
  const deadline = Date.now() + 5000;
  const find = () => {
    const target = document.querySelector(`.opblock[id$="-${CSS.escape(route.operationId)}"]`);
    if (target) {
      const tag = target.id.slice("operations-".length, -(route.operationId.length + 1));
      state.swagger.layoutActions.show(["operations", tag, route.operationId], true); // Swagger UI's own way to open it
      target.scrollIntoView();
    } else if (Date.now() < deadline) setTimeout(find, 100);
  };
  find();
}

// ---------------------------------------------------------------- routes
async function loadRoutes() {
  state.routes = await getJSON("routes.json");
  renderRoutes();
}

function renderRoutes() {
  const text = document.getElementById("route-filter").value.toLowerCase();
  const body = document.querySelector("#route-table tbody");
  body.replaceChildren();
  for (const route of state.routes) {
    const cells = [route.method, route.path, route.integration, route.target, route.auth, route.throttle, route.cache];
    if (text && !cells.join(" ").toLowerCase().includes(text)) continue;
    const key = `${route.method} ${route.path}`;
    body.append(
      el("tr", { "data-route": key },
        ...cells.map((cell) => el("td", {}, cell ?? "")),
        el("td", {}, route.runsLocally ? "runs" : "unavailable"),
        el("td", {},
          el("a", { href: "#", class: "to-reference", onclick: (event) => { event.preventDefault(); openReference(route); } }, "reference"),
          " ",
          el("a", { href: "#", class: "to-traffic", onclick: (event) => { event.preventDefault(); filterTraffic(key); } }, "traffic"),
        ),
      ),
    );
  }
}

// ---------------------------------------------------------------- live traffic
function filterTraffic(route) {
  state.routeFilter = route;
  const label = document.getElementById("traffic-filter");
  label.hidden = route === null;
  label.querySelector("b").textContent = route ?? "";
  renderTraffic();
  show("traffic");
}

function addExchange(exchange) {
  if (state.paused) {
    state.held.push(exchange);
    return;
  }
  state.exchanges.push(exchange);
  if (state.exchanges.length > state.history) state.exchanges.shift();
  renderTraffic();
}

function renderTraffic() {
  const body = document.querySelector("#traffic-table tbody");
  body.replaceChildren();
  const shown = state.exchanges.filter((x) => state.routeFilter === null || x.route === state.routeFilter);
  for (const x of shown.slice().reverse()) {
    const time = new Date(x.time * 1000).toLocaleTimeString();
    const row = el("tr", { "data-id": x.id, onclick: () => openExchange(x.id) },
      el("td", {}, time), el("td", {}, x.method), el("td", {}, x.path + (x.query ? `?${x.query}` : "")),
      el("td", { class: `s${String(x.status)[0]}` }, x.status), el("td", {}, x.latencyMs),
      el("td", {}, x.route ?? ""), el("td", {}, x.integration ?? ""), el("td", {}, x.cache ?? ""),
      el("td", {}, x.principal ?? ""));
    if (x.id === state.selected?.id) row.classList.add("selected");
    body.append(row);
  }
  document.getElementById("traffic-count").textContent = `${shown.length} shown${state.held.length ? `, ${state.held.length} held while paused` : ""}`;
}

function headerText(headers) {
  return headers.map(([name, value]) => `${name}: ${value}`).join("\n");
}

function bodyText(part) {
  if (part.binary) return `(${part.size} bytes of binary data)`;
  const cut = part.truncated ? `\n… (${part.size} bytes in all)` : "";
  return (part.body ?? "") + cut;
}

async function openExchange(id) {
  const x = await getJSON(`exchanges/${encodeURIComponent(id)}.json`);
  state.selected = x;
  document.getElementById("exchange").hidden = false;
  document.getElementById("request-detail").textContent =
    `${x.method} ${x.path}${x.query ? `?${x.query}` : ""}\n${headerText(x.request.headers)}\n\n${bodyText(x.request)}`;
  document.getElementById("response-detail").textContent =
    `${x.status}${x.error ? ` (${x.error})` : ""}\n${headerText(x.response.headers)}\n\n${bodyText(x.response)}`;
  document.getElementById("curl").textContent = curlOf(x);
  document.getElementById("replay-result").textContent = "";
  renderTraffic();
}

const NOT_RESENT = new Set(["host", "content-length", "connection", "accept-encoding", "cookie", "user-agent", "transfer-encoding"]);

function resentHeaders(x) {
  return x.request.headers.filter(([name, value]) => !NOT_RESENT.has(name.toLowerCase()) && value !== "[redacted]");
}

function quote(text) {
  return `'${String(text).replaceAll("'", "'\\''")}'`;
}

function curlOf(x) {
  const parts = ["curl", "-X", x.method, quote(`${location.origin}${x.path}${x.query ? `?${x.query}` : ""}`)];
  for (const [name, value] of resentHeaders(x)) parts.push("-H", quote(`${name}: ${value}`));
  if (x.request.body && !x.request.binary) parts.push("--data-binary", quote(x.request.body));
  return parts.join(" ");
}

async function replaySelected() {
  const x = state.selected;
  if (!x) return;
  const init = { method: x.method, headers: resentHeaders(x), cache: "no-store" };
  if (x.request.body && !["GET", "HEAD"].includes(x.method)) init.body = x.request.body;
  const response = await fetch(`${x.path}${x.query ? `?${x.query}` : ""}`, init);
  document.getElementById("replay-result").textContent = `replayed: ${response.status}`;
}

// ---------------------------------------------------------------- metrics
const COUNTERS = ["count", "4xx_error", "5xx_error", "throttled_count", "cache_hit_count"];
const LINE = /^apigw_([a-z0-9_]+?)(_bucket)?\{(.*)\} ([0-9.eE+-]+|NaN|[+-]Inf)$/; // label values may hold braces

function parseMetrics(text) {
  const counts = {}; // route -> {count, 4xx_error, 5xx_error, throttled_count, cache_hit_count}
  const buckets = {}; // le -> cumulative count over every route
  for (const line of text.split("\n")) {
    const found = LINE.exec(line);
    if (!found) continue;
    const [, name, bucket, labelText, value] = found;
    const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (bucket && name === "latency") {
      buckets[labels.le] = (buckets[labels.le] ?? 0) + Number(value);
      continue;
    }
    const counter = name.replace(/_total$/, ""); // counters are exposed as NAME_total
    if (bucket || counter === name || !COUNTERS.includes(counter) || !labels.resource) continue;
    const route = `${labels.method} ${labels.resource}`;
    counts[route] = counts[route] ?? {};
    counts[route][counter] = Number(value);
  }
  return { counts, buckets, at: Date.now() };
}

function quantile(q, before, after) {
  const bounds = Object.keys(after).filter((le) => le !== "+Inf").map(Number).sort((a, b) => a - b);
  const delta = (le) => (after[le] ?? 0) - (before?.[le] ?? 0);
  const total = delta("+Inf");
  if (total <= 0) return null;
  for (const bound of bounds) if (delta(String(bound)) >= q * total) return bound * 1000;
  return bounds.length ? bounds[bounds.length - 1] * 1000 : null;
}

async function sampleMetrics() {
  try {
    const response = await fetch(consoleUrl("metrics"), { cache: "no-store" });
    state.samples.push(parseMetrics(await response.text()));
    if (state.samples.length > SAMPLES + 1) state.samples.shift();
    renderMetrics();
  } catch (error) {
    console.warn("metrics", error);
  }
}

function series(metric) {
  const out = [];
  for (let i = 1; i < state.samples.length; i += 1) {
    const before = state.samples[i - 1];
    const after = state.samples[i];
    let value = 0;
    for (const [route, counters] of Object.entries(after.counts)) value += (counters[metric] ?? 0) - (before.counts[route]?.[metric] ?? 0);
    out.push(value / ((after.at - before.at) / 1000));
  }
  return out;
}

function latencySeries(q) {
  const out = [];
  for (let i = 1; i < state.samples.length; i += 1) out.push(quantile(q, state.samples[i - 1].buckets, state.samples[i].buckets));
  return out;
}

function chart(title, metric, lines) {
  const width = 300;
  const height = 90;
  const values = lines.flat().filter((v) => v !== null);
  const top = Math.max(1e-9, ...values);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.dataset.metric = metric;
  lines.forEach((line, index) => {
    const step = width / Math.max(1, SAMPLES - 1);
    const offset = width - step * (line.length - 1);
    const points = [];
    line.forEach((value, i) => {
      if (value === null) return;
      const x = offset + i * step;
      const y = height - 4 - (value / top) * (height - 8);
      points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
      const dot = document.createElementNS("http://www.w3.org/2000/svg", "circle");
      dot.setAttribute("cx", x.toFixed(1));
      dot.setAttribute("cy", y.toFixed(1));
      dot.setAttribute("r", "1.6");
      svg.append(dot);
    });
    const polyline = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    polyline.setAttribute("points", points.join(" "));
    if (index) polyline.setAttribute("class", "second");
    svg.prepend(polyline);
  });
  const last = lines[0].length ? lines[0][lines[0].length - 1] : null;
  const shown = last === null ? "–" : last.toFixed(last >= 10 ? 0 : 2);
  return el("div", { class: "chart" }, el("h4", {}, `${title}: ${shown}`), svg);
}

function renderMetrics() {
  const charts = document.getElementById("charts");
  charts.replaceChildren(
    chart("requests/s", "requests", [series("count")]),
    chart("4xx/s", "4xx", [series("4xx_error")]),
    chart("5xx/s", "5xx", [series("5xx_error")]),
    chart("throttled/s", "throttled", [series("throttled_count")]),
    chart("cache hits/s", "cache", [series("cache_hit_count")]),
    chart("latency p50 / p99 ms", "latency", [latencySeries(0.5), latencySeries(0.99)]),
  );
  const first = state.samples[0];
  const last = state.samples[state.samples.length - 1];
  const body = document.querySelector("#metric-table tbody");
  body.replaceChildren();
  if (!first || !last) return;
  for (const [route, counters] of Object.entries(last.counts)) {
    const delta = (name) => (counters[name] ?? 0) - (first.counts[route]?.[name] ?? 0);
    body.append(el("tr", {}, el("td", {}, route), ...COUNTERS.map((n) => el("td", {}, delta(n)))));
  }
}

// ---------------------------------------------------------------- reloads
function renderReloads() {
  const list = document.getElementById("reload-list");
  list.replaceChildren();
  for (const reload of state.reloads.slice().reverse()) {
    const when = new Date(reload.time * 1000).toLocaleTimeString();
    const item = el("li", { class: reload.refused ? "refused" : "done" }, `${when} `);
    if (reload.refused) item.append(`refused: ${reload.error}`);
    else {
      item.append(`reloaded in ${(reload.seconds * 1000).toFixed(0)} ms`);
      const changes = el("ul", {});
      for (const change of reload.changes) changes.append(el("li", { class: change.kind }, `${{ added: "+", removed: "-", changed: "~" }[change.kind] ?? "?"} ${change.route}${change.detail ? ` (${change.detail})` : ""}`));
      if (!reload.changes.length) changes.append(el("li", {}, "no route changed"));
      item.append(changes);
    }
    list.append(item);
  }
  const latest = state.reloads[state.reloads.length - 1];
  const banner = document.getElementById("banner");
  banner.hidden = !(latest && latest.refused);
  if (latest && latest.refused) banner.textContent = `The last edit was refused; the previous version is still served.\n${latest.error}`;
}

function onReload(reload) {
  state.reloads.push(reload);
  renderReloads();
  if (!reload.refused) {
    loadRoutes();
    if (state.swagger) state.swagger.specActions.download(consoleUrl("openapi.json"));
  }
}

// ---------------------------------------------------------------- stage
async function loadStage() {
  const stage = await getJSON("stage.json");
  document.getElementById("stage-detail").replaceChildren(
    el("dt", {}, "stage"), el("dd", {}, stage.stage), el("dt", {}, "base path"), el("dd", {}, stage.basePath));
  const body = document.querySelector("#variables tbody");
  body.replaceChildren(...Object.entries(stage.variables).map(([name, value]) => el("tr", {}, el("td", {}, name), el("td", {}, value))));
  const plans = document.querySelector("#usage-plans tbody");
  plans.replaceChildren();
  for (const plan of stage.usagePlans) {
    for (const key of plan.keys.length ? plan.keys : [{ name: "(no key)" }]) {
      const resets = key.resetsAt ? new Date(key.resetsAt * 1000).toLocaleString() : "";
      plans.append(el("tr", { "data-key": key.name }, el("td", {}, plan.name), el("td", {}, plan.throttle ?? ""),
        el("td", {}, plan.quota ?? ""), el("td", {}, key.name), el("td", {}, key.used ?? ""),
        el("td", {}, key.remaining ?? ""), el("td", {}, resets)));
    }
  }
}

function refreshStageWhenShown() {
  if (!document.getElementById("stage").hidden) loadStage();
}

// ---------------------------------------------------------------- start
function listen() {
  const events = new EventSource(consoleUrl("events"));
  events.addEventListener("exchange", (event) => {
    addExchange(JSON.parse(event.data));
    refreshStageWhenShown(); // a request may have used some quota
  });
  events.addEventListener("reload", (event) => onReload(JSON.parse(event.data)));
}

async function start() {
  for (const button of document.querySelectorAll("nav button")) button.addEventListener("click", () => show(button.dataset.view));
  document.getElementById("route-filter").addEventListener("input", renderRoutes);
  document.getElementById("clear-filter").addEventListener("click", () => filterTraffic(null));
  document.getElementById("pause").addEventListener("click", (event) => {
    state.paused = !state.paused;
    event.target.textContent = state.paused ? "Resume" : "Pause";
    if (!state.paused) {
      const held = state.held.splice(0);
      held.forEach(addExchange);
    }
    renderTraffic();
  });
  document.getElementById("copy-curl").addEventListener("click", async () => {
    const text = document.getElementById("curl").textContent;
    try { await navigator.clipboard.writeText(text); } catch (error) { console.info("clipboard unavailable", error.name); }
  });
  document.getElementById("replay").addEventListener("click", replaySelected);
  listen();
  const [exchanges, reloads] = await Promise.all([getJSON("exchanges.json"), getJSON("reloads.json"), loadRoutes(), loadStage()]);
  const known = new Set(exchanges.map((x) => x.id));
  state.exchanges = [...exchanges, ...state.exchanges.filter((x) => !known.has(x.id))]; // events that came first
  state.reloads = reloads;
  renderTraffic();
  renderReloads();
  sampleMetrics();
  setInterval(sampleMetrics, SAMPLE_MS);
  show(new URLSearchParams(location.search).get("view") ?? "reference");
}

start();
