// The board: proposals and change threads, sorted and filtered; new threads wait behind a
// "새 글 N개" bar instead of pushing the list down while someone reads it.

import { api, query } from "./api.js";
import { countedField, errorMessage, LIMITS, similarProposals } from "./composer.js";
import { h, marked, replace, uid } from "./dom.js";
import { authorEl, kindBadge, statusBadges } from "./labels.js";
import { lang, t } from "./i18n.js";
import { currentUser, isStaff } from "./session.js";
import { linkPicker } from "./links.js";
import { recordLine } from "./record.js";
import { timeEl } from "./time.js";

const SORTS = ["latest", "recommended", "active", "commented"];
const STATUSES = ["received", "reviewing", "answered"];
const OUTCOMES = ["accepted", "partially_accepted", "declined"];
const KINDS = ["", "proposal", "change"];
const PAGE = 20;

// A search (q) is sorted by relevance unless another sort is chosen; the URL then has no sort.
function filtersFrom(params) {
  const q = (params.get("q") || "").trim();
  const asked = params.get("sort");
  const sort = SORTS.includes(asked) || (q && asked === "relevance") ? asked : q ? "relevance" : "latest";
  const status = STATUSES.includes(params.get("status")) ? params.get("status") : "";
  const outcome = OUTCOMES.includes(params.get("outcome")) ? params.get("outcome") : "";
  const kind = KINDS.includes(params.get("kind")) ? params.get("kind") : "";
  const since = params.get("since") || "";
  const until = params.get("until") || "";
  const category = (params.get("category") || "").trim();
  return { sort, status, outcome, kind, q, since, until, category };
}

function defaultSort(f) {
  return f.q ? "relevance" : "latest";
}

/** A category as the reader's language names it (Korean first; English when there is one). */
export function categoryName(category) {
  return lang() === "en" && category.name_en ? category.name_en : category.name;
}

/** The managed list, in order, with counts (of `kind` threads when given). */
export async function loadCategories(kind = "") {
  const data = await api.get("/api/categories" + query({ kind }));
  return data.items;
}

function matches(thread, f, chosen) {
  if (f.kind && thread.kind !== f.kind) return false;
  if (f.category && (!chosen || thread.category !== chosen.name)) return false;
  if (f.status && thread.status !== f.status) return false;
  if (f.outcome && thread.outcome !== f.outcome) return false;
  // Whether a new thread matches a search is the server's to say (Korean analysis): a search
  // shows new threads when it is run again.
  if (f.q || f.since || f.until) return false;
  return true;
}

/** Where a search matched, when not in the title: "댓글에서: ...<mark>입찰</mark>..." */
function searchSnippet(thread) {
  if (!thread.highlight || thread.match === "title") return null;
  return h(
    "p",
    { class: "card-excerpt search-snippet", "data-role": "snippet" },
    h("span", { class: "snippet-where" }, t(`search.in.${thread.match}`)),
    " ",
    marked(thread.highlight),
  );
}

function stat(role, text, extra = "") {
  return h("span", { class: `stat ${extra}`, "data-role": role }, text);
}

/**
 * Who proposed it, as the board says it: the proposer is always the thread's first company (or
 * agency) label, so "기업 1" on every card would read as one company writing everything.
 */
function proposer(thread) {
  const kind = thread.author.kind;
  if (kind === "staff") return authorEl(thread.author, { mine: thread.mine, showOp: false });
  return h(
    "span",
    { class: "author" },
    h("span", { class: "author-label" }, t(`board.by.${kind}`)),
    thread.mine ? h("span", { class: "badge badge-mine" }, t("author.mine")) : null,
  );
}

export function fillCard(card, thread) {
  const hadFocus = card.contains(document.activeElement);
  card.dataset.threadId = thread.id;
  const title = thread.match === "title" && thread.highlight ? marked(thread.highlight) : thread.title;
  const link = h("a", { href: `/threads/${thread.id}`, class: "card-link" }, title);
  replace(
    card,
    h(
      "div",
      { class: "card-top" },
      thread.kind === "change" ? kindBadge("change") : null,
      statusBadges(thread),
      thread.category ? h("a", { class: "chip", href: "/" + query({ category: thread.category }) }, thread.category) : null,
    ),
    h("h2", { class: "card-title" }, link),
    searchSnippet(thread) || (thread.excerpt ? h("p", { class: "card-excerpt" }, thread.excerpt) : null),
    h(
      "div",
      { class: "card-meta" },
      h("span", { class: "meta-author" }, proposer(thread)),
      h("span", { class: "meta-sep", "aria-hidden": "true" }, "·"),
      timeEl(thread.created_at),
      h(
        "span",
        { class: "card-stats" },
        stat("recommendations", t("count.recommend", { n: thread.counts.recommendations }), thread.recommended ? "stat-on" : ""),
        stat("comments", t("count.comments", { n: thread.counts.comments })),
        thread.counts.watchers > 0 ? stat("watchers", t("count.watchers", { n: thread.counts.watchers }), "stat-live") : null,
      ),
    ),
  );
  if (hadFocus) link.focus();
  return card;
}

function card(thread) {
  return fillCard(h("article", { class: `thread-card kind-${thread.kind}` }), thread);
}

export function mountBoard(root, ctx) {
  const f = filtersFrom(ctx.params);
  const threads = new Map(); // id -> summary, as shown
  const waiting = new Map(); // id -> summary, behind the bar
  let nextCursor = null;
  let loading = false;
  let alive = true;

  const list = h("section", { class: "thread-list", "aria-busy": "true", "aria-label": t("board.listLabel") });
  const moreButton = h("button", { type: "button", class: "btn btn-outline btn-block", hidden: true, onclick: () => loadMore() }, t("board.more"));
  const newBar = h("button", { type: "button", class: "new-bar", hidden: true, onclick: () => showWaiting() });
  const status = h("p", { class: "list-status muted", role: "status" });

  function setFilters(changes) {
    const next = { ...f, ...changes };
    // A new search starts by relevance; clearing it goes back to the default order.
    if ("q" in changes && !("sort" in changes) && changes.q !== f.q) next.sort = defaultSort(next);
    const sort = next.sort === defaultSort(next) ? "" : next.sort;
    const params = { kind: next.kind, category: next.category, status: next.status, outcome: next.outcome, sort, q: next.q, since: next.since, until: next.until };
    ctx.navigate("/" + query(params), {
      replace: true,
      keepScroll: true,
    });
  }

  // --- toolbar ---
  const kindTabs = h(
    "div",
    { class: "tabs", role: "group", "aria-label": t("kind.filter") },
    KINDS.map((kind) =>
      h(
        "button",
        {
          type: "button",
          class: "tab",
          "aria-pressed": String(f.kind === kind),
          onclick: () => setFilters({ kind, status: kind === "change" ? "" : f.status, outcome: kind === "change" ? "" : f.outcome }),
        },
        kind ? t(`kind.${kind}`) : t("kind.all"),
      ),
    ),
  );
  const statusId = uid("status");
  const statusSelect = h(
    "select",
    { id: statusId, class: "select", disabled: f.kind === "change", onchange: (e) => setFilters({ status: e.target.value }) },
    h("option", { value: "" }, t("status.all")),
    STATUSES.map((s) => h("option", { value: s, selected: f.status === s }, t(`status.${s}`))),
  );
  const sortId = uid("sort");
  const sortSelect = h(
    "select",
    { id: sortId, class: "select", onchange: (e) => setFilters({ sort: e.target.value }) },
    (f.q ? ["relevance", ...SORTS] : SORTS).map((s) => h("option", { value: s, selected: f.sort === s }, t(`sort.${s}`))),
  );
  const outcomeId = uid("outcome");
  const outcomeSelect = h(
    "select",
    { id: outcomeId, class: "select", disabled: f.kind === "change", onchange: (e) => setFilters({ outcome: e.target.value, status: e.target.value ? "answered" : f.status }) },
    h("option", { value: "" }, t("outcome.all")),
    OUTCOMES.map((o) => h("option", { value: o, selected: f.outcome === o }, t(`outcome.${o}`))),
  );
  const searchId = uid("q");
  const searchInput = h("input", { id: searchId, type: "search", class: "input", name: "q", value: f.q, placeholder: t("search.placeholder"), autocomplete: "off", maxlength: "200" });
  const searchForm = h(
    "form",
    { class: "search", role: "search", onsubmit: (e) => (e.preventDefault(), setFilters({ q: searchInput.value.trim() })) },
    h("label", { for: searchId, class: "sr-only" }, t("search.label")),
    searchInput,
    h("button", { type: "submit", class: "btn btn-primary" }, t("search.submit")),
  );
  // Filter chips: one per category (retired ones only while threads carry them), with counts;
  // the choice is the URL's `?category=<slug>`, so a filtered board can be shared.
  let chosen = null;
  const chips = h("div", { class: "category-chips", role: "group", "aria-label": t("category.filter"), "data-role": "category-chips" });
  function chip(slug, label, count) {
    // A shared address may name the category by slug or (from a thread's chip) by its name.
    const on = slug ? !!chosen && chosen.slug === slug : !f.category;
    return h(
      "button",
      { type: "button", class: "tab chip-filter", "aria-pressed": String(on), "data-category": slug, onclick: () => setFilters({ category: slug }) },
      label,
      count === null ? null : h("span", { class: "chip-count" }, h("span", { class: "sr-only" }, " "), t("category.count", { n: count })),
    );
  }
  async function loadChips() {
    let items;
    try {
      items = await loadCategories(f.kind);
    } catch {
      return;
    }
    if (!alive) return;
    chosen = items.find((c) => c.slug === f.category || c.name === f.category) || null;
    const shown = items.filter((c) => !c.retired || c.count > 0 || c === chosen);
    replace(chips, chip("", t("category.all"), null), shown.map((c) => chip(c.slug, categoryName(c) + (c.retired ? ` (${t("category.retired")})` : ""), c.count)));
  }
  const toolbar = h(
    "div",
    { class: "toolbar" },
    kindTabs,
    chips,
    h(
      "div",
      { class: "toolbar-row" },
      h("div", { class: "control" }, h("label", { for: statusId }, t("status.label")), statusSelect),
      h("div", { class: "control" }, h("label", { for: outcomeId }, t("outcome.label")), outcomeSelect),
      h("div", { class: "control" }, h("label", { for: sortId }, t("sort.label")), sortSelect),
      searchForm,
    ),
  );

  // --- new thread form ---
  const composerSlot = h("div", { class: "new-thread-slot" });
  // The answer record's headline figure (the same computation as the staff dashboard's).
  const recordSlot = h("div", { class: "record-slot" });
  async function loadRecord() {
    try {
      const stats = await api.get("/api/stats/answers");
      if (alive) replace(recordSlot, recordLine(stats));
    } catch {
      // The board works without it.
    }
  }
  const proposeButton = currentUser()
    ? h("button", { type: "button", class: "btn btn-primary", "aria-expanded": "false", onclick: () => toggleComposer() }, t("board.propose"))
    : h("a", { class: "btn btn-primary", href: "/login?next=/" }, t("board.propose"));

  function toggleComposer() {
    if (composerSlot.firstChild) {
      composerSlot.replaceChildren();
      proposeButton.setAttribute("aria-expanded", "false");
      proposeButton.focus();
      return;
    }
    proposeButton.setAttribute("aria-expanded", "true");
    composerSlot.append(newThreadForm(ctx, () => toggleComposer()));
    composerSlot.querySelector("input, textarea, select").focus();
  }

  replace(
    root,
    h(
      "div",
      { class: "board" },
      h(
        "section",
        { class: "board-hero" },
        h("div", null, h("h1", null, t("board.title")), h("p", { class: "lede" }, t("board.intro")), recordSlot),
        h("div", { class: "hero-actions" }, proposeButton),
      ),
      composerSlot,
      toolbar,
      newBar,
      status,
      list,
      moreButton,
    ),
  );
  document.title = `${t("board.title")} · ${t("app.name")}`;

  // --- loading ---
  function listUrl(cursor) {
    const sort = f.sort === defaultSort(f) ? "" : f.sort;
    return "/api/threads" + query({ kind: f.kind, category: f.category, status: f.status, outcome: f.outcome, sort, q: f.q, since: f.since, until: f.until, cursor, limit: PAGE });
  }

  async function loadFirst() {
    loading = true;
    list.setAttribute("aria-busy", "true");
    status.textContent = t("board.loading");
    try {
      const data = await api.get(listUrl());
      if (!alive) return;
      threads.clear();
      waiting.clear();
      list.replaceChildren(...data.items.map((item) => (threads.set(item.id, item), card(item))));
      nextCursor = data.next_cursor;
      status.textContent = data.items.length ? "" : t("board.empty");
      renderBar();
    } catch (err) {
      status.textContent = errorMessage(err, "error.generic");
    } finally {
      loading = false;
      list.setAttribute("aria-busy", "false");
      moreButton.hidden = !nextCursor;
    }
  }

  async function loadMore() {
    if (loading || !nextCursor) return;
    loading = true;
    moreButton.disabled = true;
    try {
      const data = await api.get(listUrl(nextCursor));
      if (!alive) return;
      for (const item of data.items) {
        if (threads.has(item.id)) continue;
        threads.set(item.id, item);
        list.append(card(item));
      }
      nextCursor = data.next_cursor;
    } catch (err) {
      ctx.toast(errorMessage(err, "error.generic"), "error");
    } finally {
      loading = false;
      moreButton.disabled = false;
      moreButton.hidden = !nextCursor;
    }
  }

  // --- live ---
  function renderBar() {
    const n = waiting.size;
    newBar.hidden = n === 0;
    newBar.textContent = t("board.newShow", { n });
  }

  async function showWaiting() {
    await loadFirst();
    list.querySelector(".card-link")?.focus({ preventScroll: true });
    const top = toolbar.getBoundingClientRect().top + window.scrollY - 80;
    window.scrollTo({ top: Math.max(0, top) });
  }

  function updateInPlace(summary) {
    const shown = threads.get(summary.id);
    if (!shown) return false;
    // Summary frames carry no viewer marks and no watcher count; keep what REST told us.
    const merged = {
      ...shown,
      ...summary,
      mine: shown.mine,
      recommended: shown.recommended,
      counts: { ...summary.counts, watchers: shown.counts.watchers },
    };
    threads.set(summary.id, merged);
    const el = list.querySelector(`[data-thread-id="${summary.id}"]`);
    if (el) fillCard(el, merged);
    return true;
  }

  function onEvent(frame) {
    const summary = frame.data && frame.data.thread;
    if (!summary) return;
    if (frame.event === "thread.created") {
      if (threads.has(summary.id) || !matches(summary, f, chosen)) return;
      if (threads.size === 0 && !loading) {
        // Nothing to push down: show it at once.
        threads.set(summary.id, summary);
        list.prepend(card(summary));
        status.textContent = "";
        return;
      }
      waiting.set(summary.id, summary);
      renderBar();
      ctx.announce(t("board.new", { n: waiting.size }));
    } else if (frame.event === "thread.summary") {
      if (!updateInPlace(summary) && waiting.has(summary.id)) waiting.set(summary.id, summary);
    }
  }

  // The board's watcher digest (a `counts` frame every few seconds): {"watchers": {"<id>": n}}.
  function onCounts(frame) {
    const watchers = (frame.data && frame.data.watchers) || {};
    for (const [id, n] of Object.entries(watchers)) {
      const shown = threads.get(Number(id));
      if (!shown || typeof n !== "number" || shown.counts.watchers === n) continue;
      const merged = { ...shown, counts: { ...shown.counts, watchers: n } };
      threads.set(merged.id, merged);
      const el = list.querySelector(`[data-thread-id="${merged.id}"]`);
      if (el) fillCard(el, merged);
    }
  }

  async function onReconnect() {
    // The board channel has no seq: compare the first page with what is shown.
    try {
      const data = await api.get(listUrl());
      if (!alive) return;
      const newest = Math.max(0, ...threads.keys());
      for (const item of data.items) {
        if (!updateInPlace(item) && item.id > newest && !waiting.has(item.id)) waiting.set(item.id, item);
      }
      renderBar();
    } catch {
      // The next reconnect tries again.
    }
  }

  const sub = ctx.live.subscribe("board", { onEvent, onCounts, onReconnect });
  const ready = Promise.all([loadFirst(), loadChips(), loadRecord()]);
  return {
    ready,
    unmount() {
      alive = false;
      sub.close();
    },
  };
}

function newThreadForm(ctx, close) {
  const staff = isStaff();
  const kindId = uid("kind");
  const kindSelect = staff
    ? h(
        "select",
        { id: kindId, class: "select", name: "kind" },
        h("option", { value: "proposal" }, t("kind.proposal")),
        h("option", { value: "change" }, t("kind.change")),
      )
    : null;
  const title = countedField({ multiline: false, label: t("newThread.titleLabel"), max: LIMITS.title, name: "title" });
  // Chosen from the managed list (retired categories cannot be chosen).
  const categoryId = uid("category");
  const categorySelect = h("select", { id: categoryId, class: "select", name: "category" }, h("option", { value: "" }, t("category.none")));
  loadCategories()
    .then((items) => {
      for (const c of items) if (!c.retired) categorySelect.append(h("option", { value: c.slug }, categoryName(c)));
    })
    .catch(() => {});
  const category = { field: h("div", { class: "field" }, h("label", { for: categoryId }, t("newThread.category")), categorySelect) };
  const body = countedField({ label: t("newThread.body"), max: LIMITS.threadBody, name: "body", rows: 8, placeholder: t("newThread.bodyPlaceholder") });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, t("newThread.submit"));
  const links = staff ? linkPicker({ label: t("links.pick") }) : null;
  if (kindSelect) {
    const showLinks = () => (links.field.hidden = kindSelect.value !== "change");
    kindSelect.addEventListener("change", showLinks);
    showLinks();
  }
  const refresh = () => (submit.disabled = !(title.ok && body.ok));
  // Proposals like this title, while it is typed and once more before posting: the author may
  // open one, recommend it instead, or post anyway (the button says so once they were shown).
  const similar = similarProposals();
  let postAnyway = false;
  const isProposal = () => !kindSelect || kindSelect.value === "proposal";
  title.onChange(() => {
    postAnyway = false;
    submit.textContent = t("newThread.submit");
    if (isProposal()) similar.schedule(title.input.value);
  });
  for (const field of [title, body]) field.onChange(refresh);
  refresh();
  const form = h(
    "form",
    { class: "new-thread card", novalidate: true, "aria-label": t("newThread.title") },
    h("h2", null, t("newThread.title")),
    kindSelect ? h("div", { class: "field" }, h("label", { for: kindId }, t("newThread.kind")), kindSelect) : null,
    title.field,
    similar.el,
    category.field,
    body.field,
    links ? links.field : null,
    error,
    h("div", { class: "form-actions" }, h("button", { type: "button", class: "btn btn-ghost", onclick: close }, t("newThread.cancel")), submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    submit.disabled = true;
    error.hidden = true;
    if (isProposal() && !postAnyway) {
      const found = await similar.check(title.input.value);
      if (found.length) {
        postAnyway = true;
        submit.textContent = t("similar.postAnyway");
        refresh();
        similar.el.querySelector(".similar-link")?.focus();
        return;
      }
    }
    const payload = { kind: kindSelect ? kindSelect.value : "proposal", title: title.input.value.trim(), body: body.input.value.trim() };
    if (categorySelect.value) payload.category = categorySelect.value;
    if (payload.kind === "change" && links) payload.links = links.ids();
    try {
      const thread = await api.post("/api/threads", payload);
      ctx.navigate(`/threads/${thread.id}`);
    } catch (err) {
      error.textContent = errorMessage(err);
      error.hidden = false;
      refresh();
    }
  });
  return form;
}
