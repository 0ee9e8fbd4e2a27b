"""Run config as YAML in a real browser: the launchpad and the asset materialize dialog take YAML by
default (JSON behind a switch, kept in the URL), check it against the target's JSON Schema naming paths,
name the line of a syntax error, complete keys at the caret's indentation, and launch the same JSON
value the host stores; lib/yaml.js itself round-trips tricky values, evaluated in the page.

One small `weir dev` host serves `yamlab`: a job and an asset whose config has a nested object and lists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from protos.weir.v1 import host_pb2
from tests import support
from tests.support import dev_host, wait_for
from tests.web.conftest import UiHost, UiPage, logged_in_page

CODE = """
from pydantic import Field

import sdk as dg


class Target(dg.Config):
    table: str = Field(description="The table to write.")
    columns: list[str] = []


class ExportConfig(dg.Config):
    factor: int = Field(description="How many times to scale.")
    label: str = "x"
    target: Target
    notes: list[str] = []


@dg.op
def export(config: ExportConfig) -> int:
    return config.factor


@dg.job
def export_job():
    export()


@dg.asset
def scaled(config: ExportConfig) -> int:
    return config.factor


defs = dg.Definitions(assets=[scaled], jobs=[export_job])
"""

GOOD = """# pasted from a Dagster launchpad
ops:
  export:
    config:
      factor: 3   # a comment after a value
      label: "yes"
      target: {table: sales, columns: [id, "1e3"]}
      notes:
        - |
          two
          lines
        - 'it''s'
"""
GOOD_VALUE = {
    "ops": {
        "export": {
            "config": {
                "factor": 3,
                "label": "yes",
                "target": {"table": "sales", "columns": ["id", "1e3"]},
                "notes": ["two\nlines\n", "it's"],
            }
        }
    }
}


@pytest.fixture(scope="module")
def yamlab_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiHost]:
    tmp = tmp_path_factory.mktemp("yamlab")
    code = tmp / "yamlab.py"
    code.write_text(CODE)
    (tmp / "home").mkdir()
    with dev_host(tmp / "home", ["-f", str(code), "--ui-port", "0"]) as host:
        client = host.client()
        wait_for(
            lambda: [loc.status for loc in client.locations()] == [host_pb2.LOCATION_LOADED], 60, what="yamlab to load"
        )
        info = support.host_json(tmp / "home")
        yield UiHost(info["ui_url"], info["token"], client, tmp / "home", code)


@pytest.fixture
def lab(chromium: Any, yamlab_host: UiHost, request: pytest.FixtureRequest) -> Iterator[UiPage]:
    with logged_in_page(chromium, yamlab_host, "yaml-" + request.node.name.removeprefix("test_")) as page:
        yield page


def _runs(lab: UiPage) -> list[str]:
    return [run.run_id for run in lab.host.client.runs(limit=1000)]


def _run_id(page: Any) -> str:
    page.wait_for_url(re.compile(r".*/runs/[0-9a-f]+$"))
    return str(page.url.rsplit("/", 1)[-1])


def _parse_yaml(page: Any, text: str) -> Any:
    return page.evaluate("async (t) => (await import('/static/lib/yaml.js')).parseYaml(t)", text)


def test_yaml_config_is_checked_by_path_and_launched_as_the_same_json(lab: UiPage) -> None:
    page = lab.open("/launch?location=yamlab&job=export_job")
    page.locator(".launch-ok").wait_for()  # scaffolded with what the config requires
    assert page.get_attribute("#launch-config", "data-format") == "yaml"  # YAML by default, as in Dagster
    assert page.locator(".config-format button[aria-pressed=true]").inner_text() == "YAML"
    assert "      factor: 0\n" in page.input_value("#launch-config")  # scaffolded as YAML
    page.fill("#launch-config", GOOD.replace("factor: 3", "factor: many").replace("label:", "colour: 1\n      label:"))
    errors = page.locator(".launch-schema-errors")
    errors.locator("li", has_text="ops.export.config.factor: expected integer").wait_for()
    assert "ops.export.config.colour: unknown field" in errors.inner_text()
    errors.locator("button.config-path", has_text="ops.export.config.factor").click()  # the path leads to its line
    selected = "(e) => e.value.slice(e.selectionStart, e.selectionEnd)"
    assert page.eval_on_selector("#launch-config", selected) == "      factor: many   # a comment after a value"
    lab.shot("launch-yaml-schema-errors")
    before = _runs(lab)
    page.click("button:has-text('Launch run')")
    page.locator(".launch-result .error-box", has_text="Not launched").wait_for()
    assert _runs(lab) == before

    page.fill("#launch-config", GOOD)
    page.locator(".launch-ok").wait_for()
    page.click("button:has-text('Launch run')")
    run = lab.host.client.get_run(_run_id(page))
    assert json.loads(run.run_config_json) == GOOD_VALUE  # the host got JSON, the value the YAML says

    page = lab.open(f"/launch?from_run={run.run_id}")  # the run's config comes back as YAML
    page.locator(".launch-ok").wait_for()
    text = page.input_value("#launch-config")
    assert 'label: "yes"\n' in text and "        - |\n          two\n          lines\n" in text
    assert _parse_yaml(page, text) == GOOD_VALUE
    lab.shot("launch-yaml-from-run")
    page = lab.open(f"/launch?from_run={run.run_id}&config_format=json")  # or as JSON
    page.locator(".launch-ok").wait_for()
    assert json.loads(page.input_value("#launch-config")) == GOOD_VALUE

    page = lab.open(f"/runs/{run.run_id}")  # the run page shows its config as YAML too
    page.locator(".run-config summary").click()
    shown = page.locator(".run-config pre").inner_text()
    assert 'label: "yes"' in shown and _parse_yaml(page, shown) == GOOD_VALUE


def test_switching_formats_converts_the_text_and_a_syntax_error_names_its_line(lab: UiPage) -> None:
    page = lab.open("/launch?location=yamlab&job=export_job")
    page.locator(".launch-ok").wait_for()
    page.fill("#launch-config", GOOD)
    page.locator(".launch-ok").wait_for()
    page.click(".config-format button[data-format=json]")
    assert page.get_attribute("#launch-config", "data-format") == "json"
    assert json.loads(page.input_value("#launch-config")) == GOOD_VALUE
    assert "config_format=json" in page.url  # the choice is view state in the URL
    page.locator(".launch-ok").wait_for()
    lab.shot("launch-json-switched")
    page.click(".config-format button[data-format=yaml]")
    assert "config_format" not in page.url
    yaml_text = page.input_value("#launch-config")
    assert yaml_text.startswith("ops:\n  export:\n") and _parse_yaml(page, yaml_text) == GOOD_VALUE

    page.fill("#launch-config", "ops:\n  export:\n    config:\n      factor: 3\n      label x\n")
    error = page.locator(".launch-syntax-error")
    error.wait_for()
    assert "not valid YAML: line 5: expected `key: value`" in error.inner_text()
    assert error.get_attribute("data-line") == "5"
    error.locator("button", has_text="Show line 5").click()  # selects the line in the editor
    selected = "(e) => e.value.slice(e.selectionStart, e.selectionEnd)"
    assert page.eval_on_selector("#launch-config", selected) == "      label x"
    lab.shot("launch-yaml-syntax-error-line")
    page.click(".config-format button[data-format=json]")  # text that does not parse is not converted
    not_switched = "Not switched to JSON: Run config is not valid YAML: line 5"
    page.locator(".launch-format-error", has_text=not_switched).wait_for()
    assert page.get_attribute("#launch-config", "data-format") == "yaml"
    lab.shot("launch-yaml-syntax-error")
    page.fill("#launch-config", "ops:\n  export: &e\n    config: {}\n")
    page.locator(".launch-syntax-error", has_text="line 2: anchors (`&name`) are not supported").wait_for()
    before = _runs(lab)
    page.click("button:has-text('Launch run')")
    page.locator(".launch-result .error-box", has_text="fix the run config's YAML first").wait_for()
    assert _runs(lab) == before


def test_yaml_completion_inserts_keys_at_the_caret_indentation(lab: UiPage) -> None:
    page = lab.open("/launch?location=yamlab&job=export_job")
    page.locator(".launch-ok").wait_for()
    text = "ops:\n  export:\n    config:\n      factor: 1\n      "
    page.fill("#launch-config", text)
    page.locator(".launch-schema-errors", has_text="ops.export.config.target: required field is missing").wait_for()
    page.eval_on_selector("#launch-config", "(e, at) => { e.focus(); e.setSelectionRange(at, at); }", len("ops:\n  ex"))
    page.keyboard.press("End")  # the caret on a key's line: its docs under the editor
    page.locator(".config-doc", has_text="ops.export object · required").wait_for()
    page.eval_on_selector("#launch-config", "(e, at) => e.setSelectionRange(at, at)", text.index("factor"))
    page.keyboard.press("End")
    doc = "ops.export.config.factor integer · required — How many times to scale."
    page.locator(".config-doc", has_text=doc).wait_for()
    lab.shot("launch-yaml-field-docs")
    page.eval_on_selector("#launch-config", "(e, at) => e.setSelectionRange(at, at)", len(text))
    page.keyboard.press("Control+Space")
    options = page.locator(".config-complete li[role=option]")
    options.first.wait_for()
    # the mapping at that indentation is ops.export.config: its names not yet present, required first
    assert [o.get_attribute("data-name") for o in options.all()] == ["target", "label", "notes"]
    assert "object" in options.first.inner_text() and "required" in options.first.inner_text()
    lab.shot("launch-yaml-completion")
    page.keyboard.press("Enter")  # an object: `target:` and a new line indented under it
    assert page.input_value("#launch-config") == text + "target:\n        "
    page.keyboard.press("Control+Space")
    names = page.locator(".config-complete li[role=option]")
    names.first.wait_for()
    assert [o.get_attribute("data-name") for o in names.all()] == ["table", "columns"]
    assert names.first.get_attribute("title") == "The table to write."  # hover docs
    page.keyboard.press("Enter")
    page.keyboard.type("sales")
    page.keyboard.press("Enter")  # Enter keeps the indentation in YAML
    page.keyboard.type("col")
    page.keyboard.press("Control+Space")
    page.locator(".config-complete li[data-name=columns]").wait_for()
    page.keyboard.press("Enter")  # a list: `columns:` and the first `- ` item under it
    page.keyboard.type("id")
    page.locator(".launch-ok").wait_for()
    completed = "target:\n        table: sales\n        columns:\n          - id"
    assert page.input_value("#launch-config") == text + completed


def test_asset_materialize_dialog_takes_yaml(lab: UiPage) -> None:
    client = lab.host.client
    page = lab.open("/assets/scaled")
    page.click("button:has-text('Materialize…')")
    page.locator(".launch-panel .launch-ok").wait_for()  # scaffolded as YAML
    assert "factor: 0" in page.input_value(".launch-panel #launch-config")
    before = _runs(lab)
    page.fill("#launch-config", "ops:\n  scaled:\n    config:\n      factor: 2\n      target:\n        table: t\n")
    page.locator(".launch-panel .launch-ok").wait_for()
    lab.shot("asset-materialize-yaml")
    page.click(".launch-panel button:has-text('Launch run')")
    wait_for(lambda: len(_runs(lab)) > len(before), 10, what="the asset's run")
    run = client.get_run(next(r for r in _runs(lab) if r not in before))
    assert json.loads(run.run_config_json) == {"ops": {"scaled": {"config": {"factor": 2, "target": {"table": "t"}}}}}


ROUND_TRIP = """async () => {
  const { parseYaml, dumpYaml } = await import('/static/lib/yaml.js');
  const tricky = ["yes", "no", "on", "Off", "y", "1e3", "0x1F", "0o17", "1_000", "12:30", "2024-01-01", "null",
    "Null", "~", "true", "False", "", " ", "-", "- x", "? x", "a: b", "a:b", "key:", "a #b", "a#b", "#x", "x #",
    "'", '"', "''", "\\\\", "[x]", "{x: 1}", "a, b", "*x", "&x", "!x", "%x", "@x", "`x", "|", ">", "<<", "=",
    "ünïcødé ✓", "日本語", "😀 emoji", "multi\\nline", "two\\nlines\\n", "kept\\n\\n", "\\n", "\\nlead",
    " lead", "trail ", "in\\tside", "\\ttab", "cr\\r\\nlf", "nul\\u0000", "\\u2028", "\\ufeffbom", ".5", "+1",
    "-1", "1.", ".inf", "-.Inf", ".nan", "0", "007", "3.14", "1e-7", "---", "...", "--- x", "a\\n  b\\n",
    "x\\n\\ny\\n\\n\\nz"];
  const numbers = [0, 1, -1, 3.5, -0.25, 1e21, 1e-7, 2 ** 53 - 1, 10000000000000000, 123456.789];
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const value = (depth) => {
    const r = random();
    if (depth > 3 || r < 0.4) return pick([...tricky, ...numbers, true, false, null]);
    if (r < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    const object = {};
    for (let i = Math.floor(random() * 4); i > 0; i--) object[pick(tricky)] = value(depth + 1);
    return object;
  };
  const failures = [];
  const values = [...tricky.map((s) => ({ s })), { list: tricky }, { numbers }];
  for (let i = 0; i < 300; i++) values.push({ v: value(0) });
  for (const v of values) {
    const text = dumpYaml(v);
    let back;
    try { back = parseYaml(text); } catch (e) { back = `error: ${e.message}`; }
    if (JSON.stringify(back) !== JSON.stringify(v)) failures.push({ value: v, text, back });
  }
  const dumped = values.map((v) => [v, dumpYaml(v)]);
  return { count: values.length, failures: failures.slice(0, 5), sample: dumpYaml({ list: tricky }), dumped };
}"""

LINES = """async ([text, paths]) => {
  const { parseYamlLines } = await import('/static/lib/yaml.js');
  const { lineOf } = parseYamlLines(text);
  return paths.map(lineOf);
}"""

PARSES = """async (cases) => {
  const { parseYaml } = await import('/static/lib/yaml.js');
  return cases.map((text) => { try { return { value: parseYaml(text) }; } catch (e) { return { error: e.message }; } });
}"""


def test_yaml_module_round_trips_tricky_values_and_reads_yaml_1_2(lab: UiPage) -> None:
    page = lab.open("/launch")
    result = page.evaluate(ROUND_TRIP)
    assert result["failures"] == [] and result["count"] > 300
    for plain in ("yes", "1e3", "0x1F", "null", "- x", "a: b", "a #b", "12:30"):
        assert f'  - "{plain}"\n' in result["sample"]  # quoted: no reader takes them for another type
    assert "  - ünïcødé ✓\n" in result["sample"]  # unicode stays readable
    for value, text in result["dumped"]:  # and PyYAML (YAML 1.1, what Dagster reads) reads the same values
        assert yaml.safe_load(text) == value, text
    cases = {
        "a: yes\nb: 1e3\nc: 0x1F\nd: 0o17\ne: ~\nf: null\ng: 'null'\nh: -.5\ni: TRUE\nj: 007\nk:\n": {
            "a": "yes",  # YAML 1.2 core schema: `yes` is a string
            "b": 1000,
            "c": 31,
            "d": 15,
            "e": None,
            "f": None,
            "g": "null",
            "h": -0.5,
            "i": True,
            "j": 7,
            "k": None,
        },
        "": {},
        "# nothing but a comment\n": {},
        "---\nx: [1, {a: b}]\n": {"x": [1, {"a": "b"}]},
        '{"json": ["is", "yaml"], "n": 1.5}': {"json": ["is", "yaml"], "n": 1.5},
        "l:\n- a\n-   - b\n    - c\n-\n  k: v\nm: >\n  folded\n  text\n\n  para\n": {
            "l": ["a", ["b", "c"], {"k": "v"}],
            "m": "folded text\npara\n",
        },
        "s: \"tab\\there \\u00e9\"\nt: 'it''s'\nu: a:b\nv: http://x/#y # comment\n": {
            "s": "tab\there é",
            "t": "it's",
            "u": "a:b",
            "v": "http://x/#y",
        },
    }
    errors = {
        "a: 1\n  b: 2\n": "line 2: unexpected indentation",
        "ops:\n  x: 1\n  x: 2\n": 'line 3: the key "x" is given twice (first on line 2)',
        "a: &anchor 1\n": "line 1: anchors (`&name`) are not supported",
        "a: 1\nb: *anchor\n": "line 2: aliases (`*name`) are not supported",
        "a: !!str 1\n": "line 1: tags (`!tag`) are not supported",
        "a: 1\n---\nb: 2\n": "line 2: several documents (`---`) are not supported",
        "a:\n  - 1\n  b: 2\n": "line 3: unexpected indentation",
        "a: [1, 2\n": "line 1: `[` is not closed",
        "a: 'open\n": "line 1: a single-quoted string is not closed",
        "a: b: c\n": "line 1: a mapping cannot start on the line of its key",
        "x: 1\ny z\n": "line 2: expected `key: value`",
        "n: 123456789012345678901\n": "line 1: the integer 123456789012345678901 is too large",
        "a:\n\tb: 1\n": "line 2: a tab in the indentation",
        "a: |#\n  x\n": "line 1: expected `+`, `-` or an indentation digit after `|`",
        "a: {b\n  : c}\n": "line 2: a key and its `:` must be on one line",
        "a: [x,#y]\n": "line 1: a comment needs a space before `#`",
        "a: b\n  c\n": "line 2: a value continued from line 1",
    }
    lines_of = page.evaluate(LINES, [GOOD, [["ops", "export", "config", "notes", 1], ["ops", "export", "x"], []]])
    assert lines_of == [12, 3, 1]  # the item, the deepest key there is (a missing field's parent), the top
    as_json = json.dumps(GOOD_VALUE, indent=2)  # JSON is YAML: problems in JSON text find their lines too
    assert page.evaluate(LINES, [as_json, [["ops", "export", "config", "target", "columns", 1]]]) == [11]
    texts = list(cases) + list(errors)
    got = page.evaluate(PARSES, texts)
    for text, expected, answer in zip(texts, [*cases.values(), *errors.values()], got, strict=True):
        if text in cases:
            assert answer == {"value": expected}, text
        else:
            assert expected in answer.get("error", ""), (text, answer)
