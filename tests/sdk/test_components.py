"""The defs folder and components, loaded in process: what a user's project gets from
load_from_defs_folder, @definitions and defs.yaml (errors with file and line)."""

from __future__ import annotations

import itertools
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import sdk as dg
from sdk import AssetKey
from sdk.components import ComponentError, definitions, load_from_defs_folder
from sdk.components.folder import LazyDefinitions

_names = itertools.count()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """An empty src-layout project with a unique package name; its modules are forgotten afterwards."""
    package = f"proj_{next(_names)}"
    (tmp_path / "src" / package / "defs").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text(f'[tool.weir]\nmodule_name = "{package}.definitions"\n')
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    yield tmp_path, package
    for name in [n for n in sys.modules if n == package or n.startswith(f"{package}.")]:
        del sys.modules[name]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_defs_folder_merges_modules_definitions_functions_and_components(
    project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, package = project
    defs = root / "src" / package / "defs"
    _write(
        defs / "assets.py",
        """
        import sdk as dg

        @dg.asset
        def raw():
            return [1, 2, 3]

        job = dg.define_asset_job("everything")
        """,
    )
    _write(
        defs / "more.py",
        """
        import sdk as dg
        from sdk.components import definitions
        from .assets import raw  # imported, not defined twice

        @definitions
        def extra():
            @dg.asset(deps=[raw])
            def later():
                return 1
            return dg.Definitions(assets=[later], resources={"greeting": "hello"})
        """,
    )
    _write(defs / "scoring" / "logic.py", "def score(raw):\n    return sum(raw)\n")
    _write(
        defs / "scoring" / "defs.yaml",
        """
        type: weir.FunctionComponent
        attributes:
          fn: .logic.score
          group_name: "{{ env.SCORE_GROUP }}"
        post_processing:
          assets:
            - target: "*"
              attributes:
                tags: {team: data}
                automation_condition: "{{ automation_condition.eager() }}"
        """,
    )
    monkeypatch.setenv("SCORE_GROUP", "scores")
    _write(
        root / "src" / package / "definitions.py",
        """
        from pathlib import Path
        from sdk.components import definitions, load_from_defs_folder

        @definitions
        def defs():
            return load_from_defs_folder(path_within_project=Path(__file__).parent)
        """,
    )
    module = __import__(f"{package}.definitions", fromlist=["defs"])
    assert isinstance(module.defs, LazyDefinitions)
    loaded = module.defs()
    keys = sorted(k.to_user_string() for a in loaded.assets for k in a.keys)
    assert keys == ["later", "raw", "score"]
    assert [j.name for j in loaded.jobs] == ["everything"] and loaded.resources["greeting"] == "hello"
    score = next(a for a in loaded.assets if a.key == AssetKey("score")).specs[0]
    assert (score.group_name, score.tags["team"]) == ("scores", "data")
    assert isinstance(score.automation_condition, dg.AutomationCondition)
    assert loaded.resolve_job_def("everything") is not None
    assert load_from_defs_folder(project_root=root).asset_graph is not None  # Dagster 1.11's form

    assert definitions(lambda: 1) is not None  # decorating is lazy; calling checks the result


def test_wrong_attribute_names_file_line_and_expectation(project: tuple[Path, str]) -> None:
    root, package = project
    path = _write(
        root / "src" / package / "defs" / "orders" / "defs.yaml",
        """
        type: weir.SqlComponent
        attributes:
          sql: select 1 as id
          table: 42
          colour: blue
        """,
    )
    with pytest.raises(ComponentError) as raised:
        load_from_defs_folder(project_root=root)
    message = str(raised.value)
    assert f"{path}:5: attributes.table: Input should be a valid string (got 42); expected string" in message
    assert f"{path}:6: attributes.colour: unknown attribute of SqlComponent (known: sql_path, sql, table" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("type: weir.Nope\n", ":1: type 'weir.Nope'"),
        ("type: weir.FunctionComponent\nattributes:\n  fn: '{{ env.WEIR_NOT_SET_X }}'\n", ":3: attributes.fn: "),
        ("type: weir.FunctionComponent\nattributes: {fn: x.y}\nextra: 1\n", ":3: unknown key 'extra'"),
        ("attributes: {}\n", ":1: a component needs `type:`"),
        ("type: [unclosed\n", ":2: not valid YAML"),
    ],
)
def test_defs_yaml_errors_name_the_line(project: tuple[Path, str], text: str, expected: str) -> None:
    root, package = project
    path = _write(root / "src" / package / "defs" / "c" / "defs.yaml", text)
    with pytest.raises(ComponentError, match=str(path).replace(".", r"\.") + r".*") as raised:
        load_from_defs_folder(project_root=root)
    assert f"{path}{expected}" in str(raised.value)


def test_code_server_loader_takes_a_definitions_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from codeserver.loader import load_definitions
    from codeserver.target import LoadTarget

    monkeypatch.chdir(tmp_path)
    _write(
        tmp_path / "lazy_location.py",
        """
        import sdk as dg
        from sdk.components import definitions
        from sdk.components.folder import LazyDefinitions as Imported  # a class, not a location

        @dg.asset
        def one():
            return 1

        @definitions
        def defs():
            return dg.Definitions(assets=[one])
        """,
    )
    loaded = load_definitions(LoadTarget(python_file="lazy_location.py", working_directory=str(tmp_path)))
    assert [k.to_user_string() for a in loaded.assets for k in a.keys] == ["one"]
    assert load_definitions(LoadTarget(python_file="lazy_location.py", attribute="defs")).assets
    sys.modules.pop("lazy_location", None)


def test_sql_component_selection_post_processing_and_requirements(
    project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, package = project
    folder = root / "src" / package / "defs" / "tables"
    _write(folder / "a.sql", "select 1 as id;\n")
    path = _write(
        folder / "defs.yaml",
        """
        type: weir.SqlComponent
        attributes: {sql_path: a.sql, table: first, group_name: raw, description: "in {{ project_root }}"}
        ---
        type: weir.SqlComponent
        attributes: {sql: select * from first, table: second, deps: [first]}
        requirements:
          env: [WEIR_TEST_WAREHOUSE]
        post_processing:
          assets:
            - target: "key:second"
              operation: replace
              attributes: {group_name: marts, automation_condition: on_missing}
        """,
    )
    with pytest.raises(ComponentError, match=rf"{path}:8: requires environment variable WEIR_TEST_WAREHOUSE"):
        load_from_defs_folder(project_root=root)
    monkeypatch.setenv("WEIR_TEST_WAREHOUSE", "x")
    loaded = load_from_defs_folder(project_root=root)
    specs = {a.key.to_user_string(): a.specs[0] for a in loaded.assets}
    assert specs["first"].group_name == "raw" and specs["first"].description == f"in {root}"
    assert specs["second"].group_name == "marts" and specs["second"].automation_condition is not None
    assert [d.asset_key for d in specs["second"].deps] == [AssetKey("first")]
    assert specs["second"].metadata["sql"] == "select * from first"
