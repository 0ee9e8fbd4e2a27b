// Placeholder until this page is built.
import { h } from "../lib/dom.js";

export async function render(root) {
  root.append(h("h1", {}, "daemon"), h("p", { class: "muted" }, "This page is being built."));
}
