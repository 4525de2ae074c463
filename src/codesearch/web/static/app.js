// Search as you type: debounced requests, stale answers dropped, ARIA combobox keyboard use.
(function () {
  "use strict";
  const input = document.getElementById("q");
  const list = document.getElementById("results");
  const status = document.getElementById("status");
  const systemSelect = document.getElementById("system");
  if (!input || !list) return;
  const DEBOUNCE_MS = 90;
  let timer = null;
  let seq = 0;          // number of the latest request; older answers are ignored
  let controller = null;
  let active = -1;

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

  function render(data) {
    list.replaceChildren();
    data.results.forEach((r, n) => {
      const li = el("li");
      li.setAttribute("role", "option");
      li.id = "opt-" + n;
      li.dataset.code = r.code;
      li.setAttribute("aria-selected", "false");
      const a = el("a");
      a.href = "/codes/" + encodeURIComponent(r.code);
      a.appendChild(el("span", "code", r.code));
      a.appendChild(el("span", "title", r.title));
      a.appendChild(el("span", "system", " " + r.system));
      if (r.status !== "active") a.appendChild(el("span", "term", " " + r.status));
      if (r.new_in) a.appendChild(el("span", "new-badge", "new " + r.new_in));
      li.appendChild(a);
      li.appendChild(snippetNode(r.snippet));
      if (r.matched && r.matched.length) li.appendChild(el("div", "why", r.matched.slice(0, 2).join("; ")));
      li.addEventListener("mousedown", (ev) => { ev.preventDefault(); go(r.code); });
      list.appendChild(li);
    });
    active = -1;
    input.removeAttribute("aria-activedescendant");
    input.setAttribute("aria-expanded", String(data.results.length > 0));
    let msg = data.total + (data.total === 1 ? " code matches" : " codes match");
    if (!data.total && data.suggestion) msg = "No match. Did you mean " + data.suggestion + "?";
    else if (!data.total) msg = "No codes match.";
    status.textContent = msg;
  }

  function clear() {
    // Forget pending work too, so an answer already on its way cannot refill the list.
    clearTimeout(timer);
    timer = null;
    seq++;
    if (controller) controller.abort();
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    status.textContent = "";
    active = -1;
  }

  function query() {
    const q = input.value;
    const mine = ++seq;
    if (controller) controller.abort();
    if (!q.trim()) { clear(); return; }
    controller = new AbortController();
    const system = systemSelect ? systemSelect.value : "";
    fetch("/api/search?limit=10&q=" + encodeURIComponent(q) + (system ? "&system=" + encodeURIComponent(system) : ""),
          { signal: controller.signal })
      .then((r) => r.json())
      .then((data) => { if (mine === seq && !data.error) render(data); })
      .catch(() => {});
    history.replaceState(null, "", q ? "?q=" + encodeURIComponent(q) : "/");
  }

  function go(code) { window.location.href = "/codes/" + encodeURIComponent(code); }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { timer = null; query(); }, DEBOUNCE_MS);
  });
  if (systemSelect) systemSelect.addEventListener("change", () => { query(); input.focus(); });
  input.addEventListener("keydown", (ev) => {
    const opts = options();
    if (ev.key === "ArrowDown") { ev.preventDefault(); if (opts.length) setActive(Math.min(active + 1, opts.length - 1)); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); if (opts.length) setActive(Math.max(active - 1, 0)); }
    else if (ev.key === "Enter") {
      ev.preventDefault();
      if (timer && !opts.length) return;
      const pick = opts[active >= 0 ? active : 0];
      if (pick) go(pick.dataset.code);
    } else if (ev.key === "Escape") {
      // First Escape closes the list, a second one empties the box.
      ev.preventDefault();
      if (list.children.length) clear(); else { input.value = ""; clear(); }
    }
  });
})();
