// @ts-check
// The page for an address that leads nowhere: an unknown path, or a thread that does not exist.
// The server answers these with status 404 and this app; API clients get the JSON error body.

import { h, replace } from "./dom.js";
import { t } from "./i18n.js";

export function renderNotFound(root, { thread = false } = {}) {
  replace(
    root,
    h(
      "section",
      { class: "not-found", "aria-labelledby": "not-found-title" },
      h("p", { class: "not-found-code", "aria-hidden": "true" }, "404"),
      h("h1", { id: "not-found-title", tabindex: "-1" }, thread ? t("thread.notFound") : t("notFound.title")),
      h("p", { class: "muted" }, thread ? t("notFound.threadHelp") : t("notFound.help")),
      h("p", null, h("a", { href: "/", class: "btn btn-primary" }, t("notFound.back"))),
    ),
  );
  document.title = `${thread ? t("thread.notFound") : t("notFound.title")} · ${t("app.name")}`;
}

export function mountNotFound(root) {
  renderNotFound(root);
  return { ready: Promise.resolve(), unmount() {} };
}
