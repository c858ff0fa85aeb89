// The viewer of align's TSV outputs, read in the browser (nothing is uploaded): the two sides of
// each pair next to each other, sortable by any column, filtered by score, reason and text, with a
// histogram of the scores.
//
// What align writes, and how each is recognised:
//   align score                    a header: line, cosine, margin, src_lang, src_lid, tgt_lang, tgt_lid, src, tgt
//   align mine, filter (kept),     score, source, target [, source line, target line]
//     sentalign --format tsv       (the first field a number, "nan", or empty for an unscored link)
//   align filter --rejected        reason, source, target [, line, line] ("score: 1.0123" for those under the threshold)

const $ = (id) => document.getElementById(id);
const PAGE = 100;
const BINS = 40;

const number = (field) => (field === "" || field === undefined ? NaN : Number(field));
const numeric = (field) => field === "" || field.toLowerCase() === "nan" || !Number.isNaN(Number(field));

// The rows of `text` as {kind, columns, rows}; each row has the fields its columns name.
export function parse(text, name = "the file") {
  const lines = text.split(/\r?\n/).filter((line) => line.length);
  if (!lines.length) throw new Error(`${name} is empty`);
  if (/^\[[\d, ]*\]:\[[\d, ]*\]/.test(lines[0])) {
    throw new Error(`${name} holds Vecalign links (indices only): write it with align sentalign --format tsv to see the sentences`);
  }
  const first = lines[0].split("\t");
  if (first[0] === "line" && first.includes("margin")) return scored(lines, name);
  const kind = numeric(first[0]) ? "pairs" : "rejected";
  const rows = lines.map((line, index) => {
    const fields = line.split("\t");
    if (fields.length < 3) throw new Error(`${name}, line ${index + 1}: ${fields.length} fields; align's outputs have at least 3`);
    const row = { row: index + 1, src: fields[1], tgt: fields[2] };
    if (fields.length >= 5) row.line = number(fields[3]);
    if (kind === "pairs") {
      row.score = number(fields[0]);
    } else {
      row.reason = fields[0];
      const threshold = /^score: (-?[\d.]+)/.exec(fields[0]);
      row.score = threshold ? Number(threshold[1]) : NaN;
    }
    return row;
  });
  const columns = kind === "pairs" ? ["score", "src", "tgt"] : ["reason", "score", "src", "tgt"];
  if (rows.some((row) => row.line !== undefined)) columns.push("line");
  return { kind, columns, rows, scores: ["score"] };
}

function scored(lines, name) {
  const header = lines[0].split("\t");
  const rows = lines.slice(1).map((line, index) => {
    const fields = line.split("\t");
    if (fields.length !== header.length) {
      throw new Error(`${name}, line ${index + 2}: ${fields.length} fields where the header names ${header.length}`);
    }
    const row = { row: index + 1 };
    header.forEach((column, at) => {
      row[column] = ["line", "cosine", "margin"].includes(column) ? number(fields[at]) : fields[at];
    });
    row.score = row.margin;
    return row;
  });
  const columns = ["margin", "cosine", "src_lang", "src_lid", "tgt_lang", "tgt_lid", "src", "tgt", "line"];
  return { kind: "score", columns: columns.filter((column) => header.includes(column)), rows, scores: ["margin", "cosine"] };
}

// `values` counted into BINS equal bins between their least and greatest.
export function histogram(values) {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return null;
  let low = Infinity;
  let high = -Infinity;
  for (const value of finite) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  const width = (high - low) / BINS || 1;
  const counts = new Array(BINS).fill(0);
  for (const value of finite) counts[Math.min(BINS - 1, Math.floor((value - low) / width))] += 1;
  return { low, width, counts };
}

const LABELS = {
  score: "score", margin: "margin", cosine: "cosine", reason: "reason", src: "source", tgt: "target",
  line: "line", src_lang: "source lang", src_lid: "source identified", tgt_lang: "target lang",
  tgt_lid: "target identified",
};

export function startViewer() {
  let table = null;
  let sort = { column: null, descending: true };
  let page = 0;

  const scoreOf = (row) => row[$("score-column").value || "score"];

  function shown() {
    const low = $("min-score").value === "" ? -Infinity : Number($("min-score").value);
    const high = $("max-score").value === "" ? Infinity : Number($("max-score").value);
    const reason = $("reason").value;
    const contains = $("contains").value.toLowerCase();
    const bounded = low !== -Infinity || high !== Infinity;
    let rows = table.rows.filter((row) => {
      const score = scoreOf(row);
      if (bounded && !(score >= low && score <= high)) return false;
      if (reason && !(row.reason || "").startsWith(reason)) return false;
      if (contains && !`${row.src}\t${row.tgt}`.toLowerCase().includes(contains)) return false;
      return true;
    });
    if (sort.column) {
      const sign = sort.descending ? -1 : 1;
      const key = sort.column;
      rows = [...rows].sort((a, b) => {
        const x = a[key];
        const y = b[key];
        if (typeof x === "number" || typeof y === "number") {
          const left = Number.isFinite(x) ? x : -Infinity;
          const right = Number.isFinite(y) ? y : -Infinity;
          return sign * (left - right);
        }
        return sign * String(x ?? "").localeCompare(String(y ?? ""));
      });
    }
    return rows;
  }

  function drawHistogram() {
    const svg = $("histogram");
    const bins = histogram(table.rows.map(scoreOf));
    svg.replaceChildren();
    for (const element of [svg.parentElement, $("min-score").parentElement, $("max-score").parentElement]) {
      element.hidden = !bins; // no row has a score: nothing to draw or bound
    }
    if (!bins) return;
    const width = svg.clientWidth || 800;
    const height = 140;
    const bottom = 18;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const most = Math.max(...bins.counts);
    const step = width / BINS;
    const low = $("min-score").value === "" ? -Infinity : Number($("min-score").value);
    const high = $("max-score").value === "" ? Infinity : Number($("max-score").value);
    const make = (tag, attributes) => {
      const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
      for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
      svg.append(element);
      return element;
    };
    bins.counts.forEach((count, bin) => {
      const from = bins.low + bin * bins.width;
      const barHeight = most ? ((height - bottom - 4) * count) / most : 0;
      const bar = make("rect", {
        x: bin * step + 1, y: height - bottom - barHeight, width: Math.max(1, step - 2), height: barHeight,
        class: from + bins.width >= low && from <= high ? "on" : "",
      });
      const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = `${from.toFixed(3)} to ${(from + bins.width).toFixed(3)}: ${count.toLocaleString()} rows`;
      bar.append(title);
      bar.addEventListener("click", () => {
        $("min-score").value = String(Math.floor(from * 1e4) / 1e4); // rounded down: the bar's rows stay in
        refresh();
      });
    });
    make("text", { x: 2, y: height - 4 }).textContent = bins.low.toFixed(3);
    make("text", { x: width - 2, y: height - 4, "text-anchor": "end" }).textContent =
      (bins.low + bins.width * BINS).toFixed(3);
  }

  function cell(row, column) {
    const td = document.createElement("td");
    const value = row[column];
    if (typeof value === "number") {
      td.className = "number";
      td.textContent = Number.isFinite(value) ? (column === "line" ? String(value) : value.toFixed(4)) : "";
    } else {
      td.className = column === "reason" ? "reason" : column === "src" || column === "tgt" ? "text" : "";
      td.textContent = value ?? "";
    }
    return td;
  }

  function drawRows() {
    const rows = shown();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    page = Math.min(page, pages - 1);
    const head = document.createElement("tr");
    for (const column of table.columns) {
      const th = document.createElement("th");
      th.textContent = LABELS[column] || column;
      th.dataset.column = column;
      if (sort.column === column) th.setAttribute("aria-sort", sort.descending ? "descending" : "ascending");
      th.addEventListener("click", () => {
        sort = { column, descending: sort.column === column ? !sort.descending : typeof table.rows[0]?.[column] === "number" };
        drawRows();
      });
      head.append(th);
    }
    $("rows").tHead.replaceChildren(head);
    const body = rows.slice(page * PAGE, (page + 1) * PAGE).map((row) => {
      const tr = document.createElement("tr");
      tr.append(...table.columns.map((column) => cell(row, column)));
      return tr;
    });
    $("rows").tBodies[0].replaceChildren(...body);
    $("view-count").textContent = `${rows.length.toLocaleString()} of ${table.rows.length.toLocaleString()} rows shown`;
    $("page").textContent = `page ${page + 1} of ${pages}`;
    $("previous").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }

  function refresh() {
    page = 0;
    drawHistogram();
    drawRows();
  }

  async function open(file) {
    const status = $("view-status");
    status.classList.remove("error");
    try {
      table = parse(await file.text(), file.name);
    } catch (error) {
      status.classList.add("error");
      status.textContent = error.message;
      $("view-body").hidden = true;
      return;
    }
    const kinds = { pairs: "scored pairs", rejected: "dropped pairs with their reasons", score: "pairs scored by align score" };
    status.textContent = `${file.name}: ${table.rows.length.toLocaleString()} ${kinds[table.kind]}.`;
    $("score-column").replaceChildren(...table.scores.map((column) => new Option(LABELS[column], column)));
    $("score-column-box").hidden = table.scores.length < 2;
    const reasons = [...new Set(table.rows.map((row) => (row.reason || "").split(":")[0]).filter(Boolean))].sort();
    $("reason").replaceChildren(new Option("any", ""), ...reasons.map((reason) => new Option(reason, reason)));
    $("reason-box").hidden = !reasons.length;
    $("view-filters").reset();
    sort = { column: table.kind === "rejected" ? null : table.scores[0], descending: true };
    $("view-body").hidden = false;
    refresh();
  }

  $("file").addEventListener("change", () => $("file").files[0] && open($("file").files[0]));
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    if (event.dataTransfer.files[0]) open(event.dataTransfer.files[0]);
  });
  for (const id of ["min-score", "max-score", "reason", "contains", "score-column"]) {
    $(id).addEventListener("input", refresh);
  }
  $("view-filters").addEventListener("reset", () => setTimeout(refresh));
  $("previous").addEventListener("click", () => {
    page -= 1;
    drawRows();
  });
  $("next").addEventListener("click", () => {
    page += 1;
    drawRows();
  });
}
