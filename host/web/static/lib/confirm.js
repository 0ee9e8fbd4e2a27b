// A modal confirmation that names what an action will touch; resolves true when the person confirms.

import { h } from "./dom.js";

export function confirmDialog({ title, body = [], confirm = "Confirm", cancel = "Keep them", danger = false }) {
  return new Promise((resolve) => {
    const done = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    const dialog = h(
      "dialog",
      { class: "confirm-dialog", "aria-label": title },
      h("h2", {}, title),
      h("div", { class: "confirm-body" }, body),
      h(
        "div",
        { class: "row confirm-buttons" },
        h("span", { class: "spacer" }),
        h("button", { type: "button", onclick: () => done(false) }, cancel),
        h("button", { type: "button", class: danger ? "primary danger-fill" : "primary", onclick: () => done(true) }, confirm),
      ),
    );
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
