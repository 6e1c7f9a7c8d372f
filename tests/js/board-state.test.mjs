// The board's state: pages and live frames in, the list and the "새 글 N개" bar out (pure functions
// of static/js/board-state.js; the DOM layer only draws what they return).
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { test } from "node:test";

import { apply, empty, filtersFrom, firstPage, matches, nextPage, reconnected, watchers } from "../../static/js/board-state.js";

const ANY = filtersFrom(new URLSearchParams(""));

function summary(id, changes = {}) {
  return {
    id,
    kind: "proposal",
    title: `제안 ${id}`,
    status: "received",
    outcome: null,
    category: null,
    counts: { recommendations: 0, comments: 0, watchers: 0 },
    ...changes,
  };
}

function created(thread) {
  return { type: "event", event: "thread.created", data: { thread } };
}

function summaryFrame(thread) {
  return { type: "event", event: "thread.summary", data: { thread } };
}

function deepFreeze(value) {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    const children = value instanceof Map ? [...value.values()] : Object.values(value);
    for (const child of children) deepFreeze(child);
  }
  return value;
}

const loaded = (...ids) => deepFreeze(firstPage(empty(), { items: ids.map((id) => summary(id)), next_cursor: "c1" }));
const context = { filters: ANY, chosen: null, loading: false };

test("a first page lists its threads in order and remembers the next cursor", () => {
  const state = loaded(3, 2, 1);
  assert.deepEqual(state.order, [3, 2, 1]);
  assert.equal(state.nextCursor, "c1");
  assert.equal(state.waiting.size, 0);
});

test("a next page adds only threads not shown yet, under the list", () => {
  const state = nextPage(loaded(5, 4), { items: [summary(4), summary(3)], next_cursor: null });
  assert.deepEqual(state.order, [5, 4, 3]);
  assert.equal(state.nextCursor, null);
});

test("a new thread waits behind the bar instead of pushing the list down", () => {
  const before = loaded(2, 1);
  const after = apply(before, created(summary(3)), context);
  assert.deepEqual(after.order, [2, 1]);
  assert.deepEqual([...after.waiting.keys()], [3]);
  assert.equal(before.waiting.size, 0, "the input state is not modified");
});

test("a new thread on an empty board that is not loading is shown at once", () => {
  const after = apply(empty(), created(summary(1)), context);
  assert.deepEqual(after.order, [1]);
  assert.equal(after.waiting.size, 0);
  const whileLoading = apply(empty(), created(summary(1)), { ...context, loading: true });
  assert.deepEqual([...whileLoading.waiting.keys()], [1]);
});

test("a new thread shown already, or outside the filters, changes nothing", () => {
  const state = loaded(2, 1);
  assert.equal(apply(state, created(summary(2)), context), state);
  const changes = { ...context, filters: filtersFrom(new URLSearchParams("kind=change")) };
  assert.equal(apply(state, created(summary(3)), changes), state);
  const search = { ...context, filters: filtersFrom(new URLSearchParams("q=입찰")) };
  assert.equal(apply(state, created(summary(3)), search), state, "a search shows new threads when it is run again");
});

test("a category filter matches by the chosen category's name once the list is loaded", () => {
  const f = filtersFrom(new URLSearchParams("category=bid"));
  const thread = summary(1, { category: "입찰" });
  assert.equal(matches(thread, f, null), false);
  assert.equal(matches(thread, f, { slug: "bid", name: "입찰" }), true);
  assert.equal(matches(summary(2, { category: "계약" }), f, { slug: "bid", name: "입찰" }), false);
});

test("a summary updates its card but keeps this reader's marks and the watcher count", () => {
  const state = deepFreeze(firstPage(empty(), { items: [summary(1, { mine: true, recommended: true, counts: { recommendations: 1, comments: 0, watchers: 4 } })] }));
  const after = apply(state, summaryFrame(summary(1, { status: "reviewing", counts: { recommendations: 2, comments: 5 } })), context);
  const card = after.shown.get(1);
  assert.equal(card.status, "reviewing");
  assert.equal(card.mine, true);
  assert.equal(card.recommended, true);
  assert.deepEqual(card.counts, { recommendations: 2, comments: 5, watchers: 4 });
  assert.equal(after.order, state.order, "the order is shared when it did not change");
});

test("a summary of a waiting thread replaces what waits; of an unknown thread, nothing", () => {
  const waiting = apply(loaded(1), created(summary(2)), context);
  const after = apply(waiting, summaryFrame(summary(2, { title: "고친 제목" })), context);
  assert.equal(after.waiting.get(2).title, "고친 제목");
  assert.equal(apply(waiting, summaryFrame(summary(9)), context), waiting);
});

test("the watcher digest changes only the cards whose count changed", () => {
  const state = loaded(2, 1);
  const after = watchers(state, { watchers: { 1: 3, 2: 0, 7: 5 } });
  assert.equal(after.shown.get(1).counts.watchers, 3);
  assert.equal(after.shown.get(2), state.shown.get(2));
  assert.equal(watchers(state, { watchers: { 2: 0 } }), state);
});

test("after a reconnect shown threads are updated and newer ones wait", () => {
  const state = loaded(2, 1);
  const page = { items: [summary(4), summary(3), summary(2, { status: "answered" })] };
  const after = reconnected(state, page);
  assert.deepEqual([...after.waiting.keys()], [4, 3]);
  assert.equal(after.shown.get(2).status, "answered");
  assert.deepEqual(after.order, [2, 1]);
});

test("the bar pressed: the first page again, nothing waits", () => {
  const waiting = apply(loaded(1), created(summary(2)), context);
  const after = firstPage(waiting, { items: [summary(2), summary(1)], next_cursor: null });
  assert.deepEqual(after.order, [2, 1]);
  assert.equal(after.waiting.size, 0);
});

test("filters from the address: a search sorts by relevance unless another sort is asked", () => {
  assert.equal(filtersFrom(new URLSearchParams("q=입찰")).sort, "relevance");
  assert.equal(filtersFrom(new URLSearchParams("q=입찰&sort=recommended")).sort, "recommended");
  assert.equal(filtersFrom(new URLSearchParams("sort=relevance")).sort, "latest");
  assert.equal(filtersFrom(new URLSearchParams("status=bogus&kind=change")).status, "");
  assert.equal(filtersFrom(new URLSearchParams("kind=change")).kind, "change");
});
