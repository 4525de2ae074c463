// Search as you type: debounced requests, stale answers dropped, ARIA combobox keyboard use.
// Enter always acts on the answer for the text in the box: a list left from earlier text is
// never opened. Results are grouped by code system when more than one answers, and a
// "Show more" option (or PageDown) pages on. The address bar records q and system exactly.
(function () {
  "use strict";
  const form = document.querySelector("form.search");
  const input = document.getElementById("q");
  const list = document.getElementById("results");
  const status = document.getElementById("status");
  const errorBox = document.getElementById("search-error");
  const help = document.getElementById("search-help");
  const systemSelect = document.getElementById("system");
  if (!input || !list) return;
  const DEBOUNCE_MS = 90;
  const PAGE = 10;
  const MAX_QUERY = 200;
  const SYSTEM_LABELS = { HCPCS: "HCPCS Level II", ICD10CM: "ICD-10-CM", CPT: "CPT" };
  let timer = null;
  let seq = 0;          // number of the latest request; older answers are ignored
  let controller = null;
  let pending = null;   // {key, promise} of the request for the text in the box
  let shown = null;     // key (text + system) the list currently answers
  let results = [];     // every result loaded for `shown`, in rank order
  let total = 0;
  let systems = null;   // per-system counts from the API, when it sends them
  let active = -1;

  document.querySelectorAll(".more-link").forEach((e) => e.remove());
  // Script present: the list becomes an ARIA listbox whose options navigate themselves.
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Matching codes");

  function system() { return systemSelect ? systemSelect.value : ""; }
  function stateKey() { return JSON.stringify([input.value, system()]); }
  function options() { return Array.from(list.querySelectorAll('[role="option"]')); }

  function setActive(i) {
    const opts = options();
    opts.forEach((o, n) => o.setAttribute("aria-selected", String(n === i)));
    active = i;
    if (i >= 0 && opts[i]) {
      input.setAttribute("aria-activedescendant", opts[i].id);
      opts[i].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Snippets arrive HTML-escaped by the server with only <mark> added; rebuild them as
  // text and <mark> nodes so nothing else can ever become markup.
  function snippetNode(html) {
    const div = el("div", "snippet");
    const parts = html.split(/<mark>|<\/mark>/);
    const decode = (s) => { const t = document.createElement("textarea"); t.innerHTML = s; return t.value; };
    parts.forEach((p, n) => {
      if (n % 2 === 1) div.appendChild(el("mark", null, decode(p)));
      else div.appendChild(document.createTextNode(decode(p)));
    });
    return div;
  }

  function writeUrl(q, sys) {
    const params = new URLSearchParams();
    if (q) params.set("q", q);
    if (sys) params.set("system", sys);
    const s = params.toString();
    history.replaceState(null, "", s ? "?" + s : "/");
  }

  function optionNode(r, n) {
    const li = el("li", "option");
    li.setAttribute("role", "option");
    li.id = "opt-" + n;
    li.dataset.code = r.code;
    li.setAttribute("aria-selected", "false");
    const head = el("div", "head");
    head.appendChild(el("span", "code", r.code));
    head.appendChild(el("span", "title", r.title));
    if (r.status !== "active") head.appendChild(el("span", "term", r.status));
    if (r.new_in) head.appendChild(el("span", "new-badge", "new " + r.new_in));
    li.appendChild(head);
    li.appendChild(snippetNode(r.snippet));
    if (r.matched && r.matched.length) li.appendChild(el("div", "why", r.matched.slice(0, 2).join("; ")));
    li.addEventListener("mousedown", (ev) => { ev.preventDefault(); go(r.code); });
    return li;
  }

  // Groups in the order their best result ranks; within a group, rank order.
  function groups() {
    const out = new Map();
    results.forEach((r) => {
      if (!out.has(r.system)) out.set(r.system, []);
      out.get(r.system).push(r);
    });
    return out;
  }

  function systemCount(name) {
    if (!systems) return null;
    const v = systems[name.toLowerCase()];
    return typeof v === "number" ? v : null;
  }

  function hideMessages() {
    if (errorBox) { errorBox.replaceChildren(); errorBox.hidden = true; }
    if (help) { help.replaceChildren(); help.hidden = true; }
  }

  function render(keepCode) {
    list.replaceChildren();
    list.removeAttribute("aria-busy");
    list.classList.remove("stale");
    hideMessages();
    const grouped = groups();
    const answering = systems ? Object.keys(systems).filter((k) => systems[k] > 0).length : 0;
    const many = grouped.size > 1 || answering > 1;
    let n = 0;
    grouped.forEach((rs, name) => {
      let holder = list;
      if (many) {
        // listbox > li (none) > heading text + ul (group, labelled by it) > li (option)
        const item = el("li", "group");
        item.setAttribute("role", "none");
        const label = SYSTEM_LABELS[name] || name;
        const count = systemCount(name);
        const text = count === null ? label : label + " · " + count + (count === 1 ? " code" : " codes");
        const h = el("div", "group-label", text);
        h.id = "grp-" + name;
        h.setAttribute("aria-hidden", "true");
        holder = el("ul", "group-options");
        holder.setAttribute("role", "group");
        holder.setAttribute("aria-labelledby", h.id);
        item.appendChild(h);
        item.appendChild(holder);
        list.appendChild(item);
      }
      rs.forEach((r) => { holder.appendChild(optionNode(r, n)); n++; });
    });
    if (results.length < total) {
      const more = el("li", "option more");
      more.setAttribute("role", "option");
      more.id = "opt-more";
      more.dataset.more = "1";
      more.setAttribute("aria-selected", "false");
      const left = Math.min(PAGE, total - results.length);
      more.textContent = "Show " + left + " more (" + results.length + " of " + total + " shown)";
      more.addEventListener("mousedown", (ev) => { ev.preventDefault(); loadMore(); });
      list.appendChild(more);
    }
    input.setAttribute("aria-expanded", String(results.length > 0));
    const codes = options().map((o) => o.dataset.code);
    setActive(keepCode ? codes.indexOf(keepCode) : -1);
  }

  function describe(data) {
    if (!total) {
      status.textContent = "No codes match " + JSON.stringify(input.value.trim()) + ".";
      showHelp(data);
    } else {
      status.textContent = total + (total === 1 ? " code matches" : " codes match") +
        (results.length < total ? "; showing 1–" + results.length : "");
    }
  }

  function showHelp(data) {
    if (!help) return;
    help.replaceChildren();
    if (data.suggestion) {
      const p = el("p", null, "Did you mean ");
      const a = el("a", null, data.suggestion);
      a.href = "/?" + new URLSearchParams(system() ? { q: data.suggestion, system: system() } : { q: data.suggestion });
      p.appendChild(a);
      p.appendChild(document.createTextNode("?"));
      help.appendChild(p);
    }
    help.appendChild(el("p", null, "Try other words: a brand or generic drug name, an abbreviation such as IVIG, everyday words, or the start of a code such as J15."));
    if (system()) {
      const p = el("p");
      const b = el("button", "link", "Search all code systems");
      b.type = "button";
      b.addEventListener("click", () => { systemSelect.value = ""; query(); input.focus(); });
      p.appendChild(b);
      help.appendChild(p);
    }
    help.hidden = false;
  }

  function showError(message) {
    list.replaceChildren();
    list.removeAttribute("aria-busy");
    list.classList.remove("stale");
    results = [];
    total = 0;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    if (help) { help.replaceChildren(); help.hidden = true; }
    status.textContent = "";
    if (errorBox) { errorBox.textContent = message; errorBox.hidden = false; }
  }

  function clear() {
    // Forget pending work too, so an answer already on its way cannot refill the list.
    clearTimeout(timer);
    timer = null;
    seq++;
    pending = null;
    shown = null;
    results = [];
    total = 0;
    if (controller) controller.abort();
    list.replaceChildren();
    list.removeAttribute("aria-busy");
    list.classList.remove("stale");
    hideMessages();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    status.textContent = "";
    active = -1;
  }

  function fetchPage(q, sys, offset, signal) {
    const params = new URLSearchParams({ limit: String(PAGE), q: q });
    if (offset) params.set("offset", String(offset));
    if (sys) params.set("system", sys);
    return fetch("/api/search?" + params, { signal: signal }).then((r) =>
      r.json().catch(() => ({})).then((data) => {
        if (!r.ok || data.error || !Array.isArray(data.results)) {
          const why = data.error && data.error.message ? data.error.message : "HTTP " + r.status;
          throw new Error("The search failed: " + why + ".");
        }
        return data;
      }));
  }

  function failure(err) {
    return err && err.message && err.message.indexOf("The search failed") === 0
      ? err.message : "The search service did not answer. Check the connection and try again.";
  }

  // Search the text in the box now; resolves true once its answer is on screen.
  function query() {
    clearTimeout(timer);
    timer = null;
    const q = input.value;
    const sys = system();
    const key = stateKey();
    if (pending && pending.key === key) return pending.promise;
    writeUrl(q, sys);
    if (!q.trim()) { clear(); return Promise.resolve(false); }
    const mine = ++seq;
    if (controller) controller.abort();
    if (q.length > MAX_QUERY) {
      pending = null;
      shown = key;
      showError("The query is " + q.length + " characters long; the maximum is " + MAX_QUERY + ". Shorten it to search.");
      return Promise.resolve(false);
    }
    controller = new AbortController();
    list.setAttribute("aria-busy", "true");
    list.classList.add("stale");
    const promise = fetchPage(q, sys, 0, controller.signal).then((data) => {
      if (mine !== seq) return false;
      pending = null;
      shown = key;
      results = data.results;
      total = data.total;
      systems = data.systems && typeof data.systems === "object" ? data.systems : null;
      render(null);
      describe(data);
      return results.length > 0;
    }, (err) => {
      if (mine !== seq) return false;
      pending = null;
      shown = key;
      showError(failure(err));
      return false;
    });
    pending = { key: key, promise: promise };
    return promise;
  }

  function loadMore() {
    if (shown !== stateKey() || pending || results.length >= total) return Promise.resolve(false);
    const key = shown;
    const mine = seq;
    const first = results.length;
    return fetchPage(input.value, system(), first, controller ? controller.signal : undefined).then((data) => {
      if (mine !== seq || key !== stateKey()) return false;
      const have = new Set(results.map((r) => r.code + "|" + r.system));
      results = results.concat(data.results.filter((r) => !have.has(r.code + "|" + r.system)));
      total = data.total;
      if (data.results.length === 0) total = results.length;
      const next = results[first];
      render(next ? next.code : null);
      describe(data);
      return true;
    }, (err) => {
      if (mine !== seq) return false;
      showError(failure(err));
      return false;
    });
  }

  function go(code) { window.location.href = "/codes/" + encodeURIComponent(code); }

  // Enter: open the chosen (else first) result of the answer for the current text.
  function choose() {
    const key = stateKey();
    if (shown === key && !pending && !timer) { openActive(); return; }
    query().then((ok) => { if (ok && stateKey() === key) openActive(); });
  }

  function openActive() {
    const opts = options();
    const pick = opts[active >= 0 ? active : 0];
    if (!pick) return;
    if (pick.dataset.more) loadMore();
    else go(pick.dataset.code);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    // The list on screen answers other text now: mark it so, and let nothing open it.
    if (list.children.length) { list.classList.add("stale"); list.setAttribute("aria-busy", "true"); }
    setActive(-1);
    timer = setTimeout(() => { timer = null; query(); }, DEBOUNCE_MS);
  });
  if (systemSelect) systemSelect.addEventListener("change", () => { query(); input.focus(); });
  // The Search button (Enter in the box is handled above): search now, open nothing.
  if (form) form.addEventListener("submit", (ev) => { ev.preventDefault(); query(); });
  input.addEventListener("keydown", (ev) => {
    const opts = options();
    const current = shown === stateKey() && !pending && !timer;
    if (ev.key === "ArrowDown") { ev.preventDefault(); if (current && opts.length) setActive(Math.min(active + 1, opts.length - 1)); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); if (current && opts.length) setActive(Math.max(active - 1, 0)); }
    else if (ev.key === "PageDown") {
      if (!current || !opts.length) return;
      ev.preventDefault();
      const codes = opts.filter((o) => !o.dataset.more);
      if (active + PAGE >= codes.length && results.length < total) loadMore();
      else setActive(Math.min(Math.max(active, 0) + PAGE, codes.length - 1));
    } else if (ev.key === "PageUp") {
      if (!current || !opts.length) return;
      ev.preventDefault();
      setActive(Math.max(active - PAGE, 0));
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      choose();
    } else if (ev.key === "Escape") {
      // First Escape closes the list, a second one empties the box.
      ev.preventDefault();
      if (list.children.length || (errorBox && !errorBox.hidden)) clear(); else { input.value = ""; clear(); writeUrl("", system()); }
    }
  });
  // A loaded address (/?q=...&system=...) searches exactly as the typing that wrote it did.
  if (input.value.trim()) query();
})();
