import { h } from "../lib/dom.js";

export async function render(root, ctx) {
  root.append(h("h1", {}, "Not found"), h("p", { class: "muted" }, `Nothing lives at ${ctx.path}.`), h("a", { href: "/" }, "Back to the overview"));
}
