// `/runs/<id>`: one run. The header, step summary, counts and the first page of the event log come in
// one call (opened on the first error of a failed run); while the run goes on, its stream brings new
// events and the new status in place. The Gantt is drawn from the host's step summary; a click on a
// step filters the log to it, on one attempt's bar (a step retried) to that attempt. Filters, tab,
// selected event and marked steps live in the URL.

import { ApiError, get, readOnly, rpc } from "../lib/api.js";
import { append, badge, clear, errorBox, h, link, toast } from "../lib/dom.js";
import { isActive, keyPath, runDuration, shortId, when } from "../lib/format.js";
import { EventLog } from "../lib/run_events.js";
import { ComputeLogs } from "../lib/run_logs.js";
import { Gantt } from "../lib/gantt.js";
import { launchedBy, runTarget } from "../lib/status.js";
import { dumpYaml } from "../lib/yaml.js";

export async function render(root, ctx) {
  const runId = ctx.params.id;
  const q = ctx.query;
  const filters = { levels: list(q.get("level")), types: list(q.get("type")), step: q.get("step") || "", attempt: q.get("attempt") || "", text: q.get("q") || "" };
  const chosen = new Set(list(q.get("sel")));
  const api = `/api/runs/${encodeURIComponent(runId)}`;
  let view;
  try {
    view = await get(`${api}/view`, { level: filters.levels.join(","), type: filters.types.join(","), step: filters.step, attempt: filters.attempt, q: filters.text, seq: q.get("event") });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    root.append(h("h1", {}, `Run ${shortId(runId)}`), errorBox(error), h("p", {}, link("/runs", "All runs")));
    return;
  }
  let run = view.run;
  let summary = view.summary;
  const stepAssets = view.step_assets ?? null;

  const title = h("h1", { class: "run-title" });
  const actions = h("div", { class: "row run-actions" });
  const facts = h("div", { class: "card run-facts" });
  const failure = h("div");
  const gantt = new Gantt({
    // A click on a row toggles the step; on an attempt's bar, that step's attempt (again: the step alone).
    onStep: (step, attempt) => {
      const same = filters.step === step && filters.attempt === (attempt ? String(attempt) : "");
      if (!attempt) setFilter({ step: same ? "" : step, attempt: "" });
      else setFilter(same ? { step, attempt: "" } : { step, attempt: String(attempt) });
    },
    onToggle: (step) => {
      if (chosen.has(step)) chosen.delete(step);
      else chosen.add(step);
      ctx.setQuery({ sel: [...chosen].join(",") });
      drawGantt();
      drawActions();
    },
  });
  const log = new EventLog({
    runId,
    filters,
    onFilter: (changes) => setFilter(changes),
    onSelect: (seq) => ctx.setQuery({ event: seq }),
  });
  let logs = null;
  const tab = { name: q.get("tab") === "logs" ? "logs" : "events" };
  const tabs = h("div", { class: "tabs run-tabs", role: "tablist" });
  const eventsPane = h("div", { class: "run-pane" }, log.el);
  const logsPane = h("div", { class: "run-pane" });

  const drawTitle = () => {
    clear(title).append(`Run ${shortId(run.run_id)} `, badge(run.status, run.status));
  };
  const drawFacts = () => {
    const assets = (run.asset_selection || []).map((k) => (k.path || []).join("/"));
    const rows = [
      ["Target", assets.length && run.job_name === "__ASSET_JOB" ? assets.slice(0, 12).map((k, i) => [i ? ", " : "", link(keyPath(k), k)]) : runTarget(run)],
      ["Location", link(`/locations/${encodeURIComponent(run.location)}`, run.location)],
      ["Launched by", launcher(run)],
      run.partition_key ? ["Partition", run.partition_key] : null,
      ["Created", when(run.created_at)],
      ["Started", run.started_at ? when(run.started_at) : "—"],
      ["Ended", run.ended_at ? when(run.ended_at) : "—"],
      ["Duration", h("span", { class: "run-duration" }, runDuration(run))],
      ["Snapshot", h("code", { title: run.snapshot_id }, (run.snapshot_id || "").slice(0, 12))],
      run.parent_run_id ? ["Parent run", link(`/runs/${encodeURIComponent(run.parent_run_id)}`, h("code", {}, shortId(run.parent_run_id)))] : null,
      run.root_run_id && run.root_run_id !== run.parent_run_id ? ["Root run", link(`/runs/${encodeURIComponent(run.root_run_id)}`, h("code", {}, shortId(run.root_run_id)))] : null,
      ["Run id", h("code", {}, run.run_id)],
    ].filter(Boolean);
    const tags = Object.entries(run.tags || {});
    const config = prettyConfig(run.run_config_json);
    append(clear(facts), [
      h("dl", { class: "kv" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      tags.length ? h("div", { class: "run-tags" }, tags.map(([k, v]) => h("span", { class: "tag" }, `${k}=${v}`))) : null,
      config ? h("details", { class: "run-config" }, h("summary", {}, `Run config (${config.split("\n").length} lines)`), h("pre", {}, config)) : null,
    ]);
    clear(failure);
    if (run.failure_reason) failure.append(h("div", { class: "error-box run-failure" }, run.failure_reason));
  };
  const drawGantt = () => {
    gantt.update({ steps: summary.steps || [], start: run.started_at, end: run.ended_at, active: isActive(run.status), picked: filters.step, pickedAttempt: Number(filters.attempt) || 0, chosen });
  };
  const drawActions = () => {
    clear(actions);
    if (readOnly) return;
    if ((run.tags || {})["weir/freshness_checks"]) return; // the host evaluated its checks itself: nothing to re-execute
    const active = isActive(run.status);
    append(actions, [
      active ? h("button", { class: "danger", disabled: run.status === "CANCELING", onclick: cancel }, run.status === "CANCELING" ? "Canceling…" : "Cancel") : null,
      h("button", { disabled: active, onclick: () => reexecute({}) }, "Re-execute all"),
      h("button", { disabled: active || !["FAILURE", "CANCELED"].includes(run.status), onclick: () => reexecute({ from_failure: true }) }, "From failure"),
      h(
        "button",
        { disabled: active || !chosen.size, title: chosen.size ? [...chosen].join(", ") : "mark steps in the chart (the box left of each) first", onclick: () => reexecute({ selection: selection() }) },
        `Selected steps${chosen.size ? ` (${chosen.size})` : ""}`,
      ),
    ]);
  };
  // Re-executing marked steps: asset keys for a run of assets (what each step computes), step keys for
  // an op job. Without the location's definitions, a step's materializations stand for its assets.
  const selection = () => {
    const assetRun = stepAssets !== null || (run.asset_selection || []).length > 0;
    if (!assetRun) return [...chosen];
    const keys = [];
    for (const step of chosen) {
      const fromStep = (summary.steps || []).find((s) => s.step_key === step);
      keys.push(...((stepAssets && stepAssets[step]) || (fromStep ? fromStep.assets : [])));
    }
    return [...new Set(keys)];
  };
  const cancel = async () => {
    try {
      run = await rpc("CancelRun", { run_id: run.run_id });
      toast("Cancel requested");
      redrawRun();
    } catch (error) {
      toast(error.message, { bad: true });
    }
  };
  const reexecute = async (request) => {
    try {
      const next = await rpc("ReexecuteRun", { run_id: run.run_id, ...request });
      toast(`Launched run ${shortId(next.run_id)}`);
      ctx.navigate(`/runs/${encodeURIComponent(next.run_id)}`);
    } catch (error) {
      toast(error.message, { bad: true });
    }
  };
  const redrawRun = () => {
    drawTitle();
    drawFacts();
    drawGantt();
    drawActions();
    drawTabs();
  };

  const drawTabs = () => {
    const tabButton = (name, label) =>
      h("button", { type: "button", role: "tab", class: `tab${tab.name === name ? " active" : ""}`, "aria-selected": tab.name === name ? "true" : "false", onclick: () => showTab(name) }, label);
    append(clear(tabs), [tabButton("events", `Events (${(summary.total || 0).toLocaleString()})`), tabButton("logs", "Compute logs")]);
    eventsPane.hidden = tab.name !== "events";
    logsPane.hidden = tab.name !== "logs";
  };
  const showTab = async (name) => {
    tab.name = name;
    ctx.setQuery({ tab: name === "events" ? null : name });
    drawTabs();
    if (name === "logs" && !logs) await openLogs();
  };
  const logSteps = () => {
    const steps = (summary.steps || []).map((s) => s.step_key);
    for (const s of view.log_steps || []) if (!steps.includes(s)) steps.push(s);
    return steps;
  };
  const attemptsOf = (step) => ((summary.steps || []).find((s) => s.step_key === step) || {}).attempt_list || [];
  const openLogs = async () => {
    const steps = logSteps();
    const query = new URLSearchParams(location.search);
    const step = query.get("logstep") ?? ((view.log_steps || []).find((s) => s) || steps[0] || "");
    logs = new ComputeLogs({
      runId,
      step,
      stream: query.get("stream") === "stderr" ? "stderr" : "stdout",
      attempt: query.get("logattempt") || "",
      attemptsOf,
      steps: steps.includes(step) ? steps : [step, ...steps],
      onChoose: async (changes) => {
        if ("step" in changes) changes.attempt = ""; // another step: its latest attempt
        Object.assign(logs, changes);
        ctx.setQuery({ logstep: logs.step, stream: logs.stream, logattempt: logs.attempt || null });
        await logs.load();
      },
    });
    clear(logsPane).append(logs.el);
    await logs.load();
  };

  // The log's filters are applied by the host: reload the first page and follow the stream with them.
  const setFilter = async (changes) => {
    if ("step" in changes && changes.step !== filters.step && !("attempt" in changes)) changes.attempt = ""; // attempts are a step's
    Object.assign(filters, changes);
    ctx.setQuery({ level: filters.levels.join(","), type: filters.types.join(","), step: filters.step, attempt: filters.attempt || null, q: filters.text, event: null });
    drawGantt();
    try {
      view = await log.reload();
      follow();
    } catch (error) {
      toast(error.message, { bad: true });
    }
  };

  let source = null;
  const follow = () => {
    if (source) source.close();
    source = null;
    if (!isActive(run.status)) return;
    const params = new URLSearchParams(log.params({ after: String(Math.max(log.lastSequence(), log.hasAfter ? summary.last_sequence : -1)) }));
    for (const [k, v] of [...params]) if (!v) params.delete(k);
    source = new EventSource(`${api}/stream?${params}`);
    source.addEventListener("run", (message) => {
      const data = JSON.parse(message.data);
      run = data.run;
      summary = data.summary;
      view.log_steps = data.log_steps;
      log.setSummary(summary);
      redrawRun();
      if (logs) {
        logs.attemptsOf = attemptsOf;
        logs.steps = [...new Set([logs.step, ...logSteps()])];
        logs.drawBar();
      }
    });
    source.addEventListener("events", (message) => log.live(JSON.parse(message.data).events));
    source.addEventListener("end", () => {
      source.close();
      if (logs) logs.follow();
    });
    source.addEventListener("gone", () => {
      source.close();
      toast("This run was deleted", { bad: true });
    });
    const opened = source;
    // Refused (503: the host's cap on live views) closes the source for good: follow again later,
    // from the last event shown.
    source.onerror = () => {
      if (opened.readyState === EventSource.CLOSED && source === opened) setTimeout(() => source === opened && follow(), 5000);
    };
  };

  append(root, [
    h("div", { class: "row" }, title, h("span", { class: "spacer" }), actions),
    h("div", { class: "run-top" }, facts, h("div", { class: "card run-gantt" }, h("h2", {}, "Steps"), gantt.el, h("p", { class: "muted gantt-help" }, "Click a step to show its events (a retried step's bar: that attempt's); tick its box to re-execute it."))),
    failure,
    tabs,
    eventsPane,
    logsPane,
  ]);
  redrawRun();
  log.show(view);
  // Opened on an event (the first error of a failed run, a permalink): bring it into sight once drawn.
  if (view.target !== null && view.target !== undefined) requestAnimationFrame(() => log.detail.scrollIntoView({ block: "nearest" }));
  if (tab.name === "logs") await openLogs();
  follow();
  // The clock of a run in progress (duration, bars growing): redrawn locally, nothing is fetched.
  const tick = setInterval(() => {
    if (!isActive(run.status)) return;
    for (const el of facts.querySelectorAll(".run-duration")) el.textContent = runDuration(run);
    gantt.draw();
  }, 1000);
  ctx.onChange(["events"], async () => {
    if (logs && isActive(run.status)) await logs.follow();
  });
  ctx.onLeave(() => {
    clearInterval(tick);
    if (source) source.close();
    gantt.destroy();
    log.destroy();
  });
}

function list(value) {
  return (value || "").split(",").filter(Boolean);
}

function launcher(run) {
  const text = launchedBy(run);
  if (run.schedule_name) return link(`/schedules/${encodeURIComponent(run.location)}/${encodeURIComponent(run.schedule_name)}`, text);
  if (run.sensor_name) return link(`/sensors/${encodeURIComponent(run.location)}/${encodeURIComponent(run.sensor_name)}`, text);
  if (run.backfill_id) return link(`/backfills/${encodeURIComponent(run.backfill_id)}`, text);
  return text;
}

function prettyConfig(text) {
  if (!text || text === "{}") return "";
  try {
    return dumpYaml(JSON.parse(text)); // as Dagster shows run config, and as the launchpad takes it
  } catch {
    return text;
  }
}
