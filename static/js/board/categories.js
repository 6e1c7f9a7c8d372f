// @ts-check
// The managed list of categories, as the board's chips and the new-thread form show it.

import { api, query } from "../api.js";
import { lang } from "../i18n.js";

/**
 * @typedef {{slug: string, name: string, name_en?: string | null, retired?: boolean, count?: number}} Category
 */

/**
 * A category as the reader's language names it (Korean first; English when there is one).
 * @param {Category} category
 */
export function categoryName(category) {
  return lang() === "en" && category.name_en ? category.name_en : category.name;
}

/**
 * The managed list as last loaded, by Korean name: a thread carries its category's Korean name
 * only, and cards and thread pages look the English one up here.
 * @type {Map<string, Category>}
 */
const byName = new Map();
/** @type {Promise<void> | null} */
let knowing = null;

/**
 * The managed list, in order, with counts (of `kind` threads when given).
 * @returns {Promise<Category[]>}
 */
export async function loadCategories(kind = "") {
  const data = await api.get("/api/categories" + query({ kind }));
  for (const c of data.items) byName.set(c.name, c);
  return data.items;
}

/**
 * Loads the list once, in English only (a Korean page shows the names threads carry); it never
 * fails: without the list a page shows the Korean name.
 * @returns {Promise<void>}
 */
export function knowCategories() {
  if (lang() !== "en") return Promise.resolve();
  if (!knowing) {
    knowing = loadCategories().then(
      () => undefined,
      () => {
        knowing = null;
      },
    );
  }
  return knowing;
}

/**
 * A thread's category (its Korean name) as the reader's language names it.
 * @param {string} name
 */
export function categoryLabel(name) {
  const known = byName.get(name);
  return known ? categoryName(known) : name;
}
