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
 * The managed list, in order, with counts (of `kind` threads when given).
 * @returns {Promise<Category[]>}
 */
export async function loadCategories(kind = "") {
  const data = await api.get("/api/categories" + query({ kind }));
  return data.items;
}
