// The page at /: tabs, the API key where the server asks for one, and the search box over the
// server's stores (POST /v1/stores/NAME/search). The viewer of align's TSV outputs is viewer.js.
import { startViewer } from "./viewer.js";

const $ = (id) => document.getElementById(id);
const KEY = "align-api-key";

function headers() {
  const key = sessionStorage.getItem(KEY);
  return { "Content-Type": "application/json", ...(key ? { Authorization: `Bearer ${key}` } : {}) };
}

async function call(path, body) {
  const response = await fetch(path, body === undefined
    ? { headers: headers() }
    : { method: "POST", headers: headers(), body: JSON.stringify(body) });
  const answer = await response.json().catch(() => ({}));
  if (response.status === 401) $("key-box").hidden = false;
  if (!response.ok) throw new Error(answer.error?.message || `${response.status} ${response.statusText}`);
  return answer;
}

function showTab(name) {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll(".panel")) panel.hidden = panel.id !== name;
  history.replaceState(null, "", `#${name}`);
}

// Wraps each occurrence of the matched terms (the query's words found in the hit, as the server
// reports them, case-folded) in <mark>; longest first, so a word is not split by a shorter term.
function highlighted(text, terms) {
  const element = document.createElement("span");
  const wanted = [...new Set(terms)].filter(Boolean).sort((a, b) => b.length - a.length);
  if (!wanted.length) {
    element.textContent = text;
    return element;
  }
  const escaped = wanted.map((term) => term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(${escaped.join("|")})`, "giu");
  for (const [index, piece] of text.split(pattern).entries()) {
    if (!piece) continue;
    if (index % 2) {
      const mark = document.createElement("mark");
      mark.textContent = piece;
      element.append(mark);
    } else {
      element.append(piece);
    }
  }
  return element;
}

function hitItem(hit) {
  const item = document.createElement("li");
  const text = document.createElement("div");
  text.className = "hit-text";
  text.append(highlighted(hit.text, hit.matched || []));
  const facts = document.createElement("div");
  facts.className = "hit-facts";
  const fact = (className, content, title) => {
    const span = document.createElement("span");
    span.className = className;
    span.textContent = content;
    if (title) span.title = title;
    facts.append(span);
  };
  if (hit.lang) fact("lang", hit.lang, "language");
  fact("score", hit.score.toFixed(4), "score");
  fact("id", hit.id, "id");
  if (hit.metadata && Object.keys(hit.metadata).length) fact("metadata", JSON.stringify(hit.metadata), "metadata");
  item.append(text, facts);
  return item;
}

async function search(event) {
  event.preventDefault();
  const store = $("store").value;
  const status = $("search-status");
  if (!store) {
    status.textContent = "This server serves no store: start it with align serve --store NAME=DIR.";
    return;
  }
  const body = {
    query: $("query").value,
    k: Number($("k").value) || 10,
    mode: $("mode").value,
    other_languages: $("other").checked,
  };
  if ($("lang").value) body.where = { lang: $("lang").value };
  status.classList.remove("error");
  status.textContent = "Searching…";
  const started = performance.now();
  try {
    const answer = await call(`/v1/stores/${encodeURIComponent(store)}/search`, body);
    const hits = answer.results[0].hits;
    $("hits").replaceChildren(...hits.map(hitItem));
    const took = Math.round(performance.now() - started);
    status.textContent = `${hits.length} hits in ${took} ms (${body.mode}).`;
  } catch (error) {
    status.classList.add("error");
    status.textContent = error.message;
    $("hits").replaceChildren();
  }
}

let stores = {};

function showLanguages() {
  const languages = stores[$("store").value]?.languages || {};
  const options = Object.entries(languages)
    .sort((a, b) => b[1] - a[1])
    .map(([lang, count]) => new Option(`${lang} (${count.toLocaleString()})`, lang));
  $("lang").replaceChildren(new Option("all languages", ""), ...options);
}

async function loadInfo() {
  try {
    const info = await call("/info");
    stores = info.stores;
    const names = Object.keys(stores);
    $("store").replaceChildren(
      ...names.map((name) => new Option(`${name} (${stores[name].documents.toLocaleString()} documents)`, name)),
    );
    showLanguages();
    const models = Object.keys(info.models);
    $("served").textContent = [
      models.length ? `models: ${models.join(", ")}` : "",
      names.length ? `stores: ${names.join(", ")}` : "no store",
    ].filter(Boolean).join(" · ");
  } catch (error) {
    $("search-status").classList.add("error");
    $("search-status").textContent = error.message;
  }
}

for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
$("search-form").addEventListener("submit", search);
$("store").addEventListener("change", showLanguages);
$("key").addEventListener("change", () => {
  sessionStorage.setItem(KEY, $("key").value);
  loadInfo();
});
showTab(location.hash === "#viewer" ? "viewer" : "search");
startViewer();
loadInfo();
