// `/locations`: each code location's state, snapshot, interpreter and load error; reload one or all.

import { readOnly, rpc } from "../lib/api.js";
import { append, clear, h, link, table, toast } from "../lib/dom.js";
import { ago } from "../lib/format.js";
import { codeError, locationBadge } from "../lib/status.js";

export async function render(root, ctx) {
  const body = h("div");
  const reloadAll = readOnly
    ? null
    : h("button", { onclick: () => act(() => rpc("ReloadWorkspace"), "workspace.yaml applied") }, "Reload workspace.yaml");
  root.append(h("div", { class: "row" }, h("h1", {}, "Code locations"), h("span", { class: "spacer" }), reloadAll), body);
  const draw = async () => {
    const { locations = [] } = await rpc("ListLocations");
    append(clear(body), [
      table(
        ["Location", "State", "Snapshot", "Assets", "Jobs", "SDK", "Interpreter", "Updated", ""],
        locations.map((loc) => h("tr", {}, cells(loc))),
        { empty: "No code locations in the workspace." },
      ),
      locations.filter((loc) => loc.load_error || loc.error_message).map((loc) =>
        h(
          "div",
          { class: "location-error", id: `error-${loc.name}` },
          h("h2", {}, `${loc.name}: load error`),
          loc.error_message ? h("div", { class: "error-box" }, loc.error_message) : null,
          codeError(loc.load_error),
        ),
      ),
    ]);
  };
  const cells = (loc) => [
    h("td", {}, link(`/locations/${encodeURIComponent(loc.name)}`, loc.name)),
    h("td", {}, locationBadge(loc)),
    h("td", {}, h("code", { title: loc.snapshot_id || "" }, (loc.snapshot_id || "").slice(0, 12))),
    h("td", {}, loc.asset_count || 0),
    h("td", {}, loc.job_count || 0),
    h("td", {}, loc.sdk_version || ""),
    h("td", {}, h("code", {}, loc.executable || loc.endpoint || "")),
    h("td", {}, ago(loc.updated_at)),
    h("td", {}, readOnly ? null : h("button", { onclick: () => act(() => rpc("ReloadLocation", { name: loc.name }), `${loc.name} reloaded`) }, "Reload")),
  ];
  const act = async (call, done) => {
    try {
      await call();
      toast(done);
      await draw();
    } catch (error) {
      toast(error.message, { bad: true });
    }
  };
  await draw();
  ctx.onChange(["locations"], draw);
}
