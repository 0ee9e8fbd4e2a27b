"""The host's configuration files as pydantic models: workspace.yaml (which code locations exist) and
weir.yaml (storage, run queue, monitoring). Unknown keys are errors; every error names the file,
the entry and the fix."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from host.errors import ConfigError
from protos.names import path_component_problem


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _SpawnedLocation(_Strict):
    location_name: str | None = Field(None, description="name shown by the host (default: file stem / module)")
    attribute: str | None = Field(None, description="the Definitions attribute (default: the only one)")
    working_directory: str | None = Field(None, description="directory to import from")
    executable_path: str | None = Field(None, description="the interpreter of the location's environment")


class PythonFile(_SpawnedLocation):
    relative_path: str = Field(description="the file, relative to workspace.yaml")

    @property
    def name(self) -> str:
        return self.location_name or Path(self.relative_path).stem


class PythonModule(_SpawnedLocation):
    module_name: str = Field(description="an importable module")

    @property
    def name(self) -> str:
        return self.location_name or self.module_name.split(".")[0]


class GrpcServer(_Strict):
    host: str = Field("localhost", description="where a code server already runs")
    port: int = Field(description="its port")
    location_name: str | None = Field(None, description="name shown by the host (default: host:port)")
    token_env: str | None = Field(None, description="environment variable with the server's token")
    ssl: bool = Field(False, description="connect with TLS, checking the server against the system's roots (or tls_ca)")
    tls_ca: str | None = Field(None, description="CA certificate file for TLS (implies ssl)")

    @property
    def name(self) -> str:
        return self.location_name or f"{self.host}:{self.port}"


class WorkspaceEntry(_Strict):
    python_file: PythonFile | None = None
    python_module: PythonModule | None = None
    grpc_server: GrpcServer | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, data: Any) -> Any:
        """`python_file: defs.py` and `python_module: pkg.defs` are allowed, as in Dagster."""
        if isinstance(data, dict):
            data = dict(data)
            if isinstance(data.get("python_file"), str):
                data["python_file"] = {"relative_path": data["python_file"]}
            if isinstance(data.get("python_module"), str):
                data["python_module"] = {"module_name": data["python_module"]}
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> WorkspaceEntry:
        given = [k for k in ("python_file", "python_module", "grpc_server") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "each load_from entry needs exactly one of python_file, python_module, "
                f"grpc_server (found: {', '.join(given) or 'none'})"
            )
        return self

    @property
    def location(self) -> PythonFile | PythonModule | GrpcServer:
        found = self.python_file or self.python_module or self.grpc_server
        assert found is not None
        return found

    @model_validator(mode="after")
    def _name_is_a_path_component(self) -> WorkspaceEntry:
        """A location's name names its runs and logs directories, so it must stay inside them."""
        name = self.location.name
        problem = path_component_problem(name)
        if problem:
            raise ValueError(
                f"location name {name!r} {problem}; set location_name to a plain name such as "
                "'sales' (it names the location's runs and logs directories)"
            )
        return self


class Workspace(_Strict):
    load_from: list[WorkspaceEntry] = Field(description="the code locations")


class TagConcurrencyLimit(_Strict):
    key: str = Field(description="tag key")
    value: str | None = Field(None, description="tag value; unset limits each value of the key separately")
    limit: int = Field(ge=0, description="runs with this tag that may be in progress at once")


class RunQueueConfig(_Strict):
    max_concurrent_runs: int = Field(10, ge=0, description="runs in progress at once, over all locations")
    tag_concurrency_limits: list[TagConcurrencyLimit] = Field(default_factory=list, description="limits per tag")
    dequeue_interval_seconds: float = Field(0.2, gt=0, description="how often the queue is looked at")


class RunMonitoringConfig(_Strict):
    enabled: bool = Field(True, description="fail runs whose worker is gone")
    worker_lost_after_seconds: float = Field(20.0, gt=0, description="a worker silent this long is gone")
    poll_interval_seconds: float = Field(2.0, gt=0, description="how often active runs are checked")
    kill_grace_seconds: float = Field(
        10.0,
        ge=0,
        description="after SIGTERM (cancel, or a run the host declared finished), how long a worker "
        "has before its process group is killed with SIGKILL",
    )
    max_runtime_seconds: float = Field(
        0.0,
        ge=0,
        description="fail and kill runs in progress longer than this (0: no limit); the tag "
        "weir/max_runtime sets it per run",
    )


class RunRetriesConfig(_Strict):
    max_retries: int = Field(
        0,
        ge=0,
        le=100,
        description="re-launch a failed run from failure this many times at most (0: never); "
        "the tag dagster/max_retries sets it per run",
    )
    retry_on_asset_or_op_failure: bool = Field(
        True,
        description="false: retry only runs the host failed (worker lost, past max runtime), not runs whose "
        "steps failed; the tag dagster/retry_on_asset_or_op_failure sets it per run",
    )


def _check_env_vars(items: list[str]) -> list[str]:
    for item in items:
        if not item.split("=", 1)[0].strip():
            raise ValueError(f"env_vars entry {item!r} names no variable: write NAME or NAME=value")
    return items


class DockerLocationConfig(_Strict):
    image: str | None = Field(None, description="the location's image (default: the launcher's image)")
    env_vars: list[str] = Field(default_factory=list, description="more environment for this location's runs")
    volumes: list[str] = Field(default_factory=list, description="more mounts for this location's runs")

    _env_names = field_validator("env_vars")(_check_env_vars)


class DockerRunLauncherConfig(_Strict):
    image: str | None = Field(
        None, description="the image a run starts in when its location has none under `locations`"
    )
    locations: dict[str, DockerLocationConfig] = Field(
        default_factory=dict,
        description="per location name: its image (the one its code server runs), env_vars and volumes",
    )
    network: str | None = Field(
        None,
        description="the Docker network run containers join; the host must reach them on it "
        "(compose: <project>_default). 'host': the host network, each run on a free 127.0.0.1 port",
    )
    env_vars: list[str] = Field(
        default_factory=list,
        description="environment of each run container: NAME (the host's value) or NAME=value",
    )
    volumes: list[str] = Field(
        default_factory=list, description="mounts of each run container, as `docker run -v` takes them"
    )
    port: int = Field(
        4266, gt=0, lt=65536, description="the port a run container serves its run on (not with network: host)"
    )
    start_timeout_seconds: float = Field(
        120.0, gt=0, description="how long a run container may take to answer before its run is failed"
    )

    _env_names = field_validator("env_vars")(_check_env_vars)

    def location(self, name: str) -> DockerLocationConfig:
        """The settings of one location's runs, the launcher's own included."""
        own = self.locations.get(name) or DockerLocationConfig()
        return DockerLocationConfig(
            image=own.image or self.image,
            env_vars=[*self.env_vars, *own.env_vars],
            volumes=[*self.volumes, *own.volumes],
        )


RUN_LAUNCHERS = ("default", "docker")
_DAGSTER_LAUNCHERS = {  # a Dagster instance's run_launcher, as its users write it
    ("dagster.core.launcher", "DefaultRunLauncher"): "default",
    ("dagster._core.launcher", "DefaultRunLauncher"): "default",
    ("dagster_docker", "DockerRunLauncher"): "docker",
}


class RunLauncherConfig(_Strict):
    module: str = Field(
        "default",
        description="where runs execute: default (a worker beside the location's code server) or docker "
        "(a container of the location's image per run)",
    )
    class_: str | None = Field(None, alias="class", description="accepted for Dagster's form (dagster_docker)")
    config: dict[str, Any] = Field(default_factory=dict, description="the launcher's settings")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        """`run_launcher: docker` is `run_launcher: {module: docker}`."""
        return {"module": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _known(self) -> RunLauncherConfig:
        module = _DAGSTER_LAUNCHERS.get((self.module, self.class_ or ""), self.module)
        if module not in RUN_LAUNCHERS:
            raise ValueError(f"module {self.module!r} is not a run launcher: choose one of {', '.join(RUN_LAUNCHERS)}")
        object.__setattr__(self, "module", module)
        if module == "docker":
            try:
                DockerRunLauncherConfig.model_validate(self.config)
            except ValidationError as exc:
                problems = (
                    f"config.{'.'.join(str(p) for p in item['loc'])}: {item['msg'].removeprefix('Value error, ')}"
                    for item in exc.errors()
                )
                raise ValueError(f"docker launcher: {'; '.join(problems)}") from None
        elif self.config:
            raise ValueError(
                f"config: the default launcher takes no settings (got {', '.join(sorted(self.config))}); "
                "did you mean module: docker?"
            )
        return self

    @property
    def docker(self) -> DockerRunLauncherConfig:
        return DockerRunLauncherConfig.model_validate(self.config)


class StorageConfig(_Strict):
    url: str | None = Field(
        None, description="SQLAlchemy URL; default: SQLite under $WEIR_HOME (WEIR_STORAGE_URL overrides)"
    )


class SchedulerConfig(_Strict):
    catch_up: Literal["latest", "none", "all"] = Field(
        "latest",
        description="after downtime: run only the newest missed slot (latest), none of them (none), "
        "or each of them up to max_catch_up_ticks (all); the others become SKIPPED ticks",
    )
    max_catch_up_ticks: int = Field(10, ge=1, description="with catch_up: all, how many missed slots run at most")
    late_after_seconds: float = Field(
        60.0, gt=0, description="with catch_up: none, a slot found later than this after its time is missed"
    )
    max_missed_ticks: int = Field(
        1000, ge=1, description="missed slots recorded one tick each; older ones share one summary tick"
    )
    interval_seconds: float = Field(1.0, gt=0, description="how often the scheduler looks for due slots")
    evaluation_timeout_seconds: float = Field(60.0, gt=0, description="deadline of a schedule function")
    max_concurrent_evaluations: int = Field(4, ge=1, description="schedule functions evaluated at once")


class SensorDaemonConfig(_Strict):
    interval_seconds: float = Field(1.0, gt=0, description="how often the sensor loop looks for due sensors")
    evaluation_timeout_seconds: float = Field(60.0, gt=0, description="deadline of one sensor evaluation")
    max_concurrent_evaluations: int = Field(
        4, ge=1, description="sensors evaluated at once, so a slow one does not hold the others back"
    )
    max_items_per_tick: int = Field(
        100, ge=1, description="new materializations or finished runs given to an asset or run status sensor per tick"
    )


class AutomationConfig(_Strict):
    interval_seconds: float = Field(
        30.0,
        gt=0,
        description="how often each location's default_automation_condition_sensor evaluates its assets' "
        "automation conditions (Dagster's default: 30 s); a sensor of your own keeps its minimum_interval_seconds",
    )


class DaemonConfig(_Strict):
    lease_seconds: float = Field(
        10.0,
        gt=0,
        description="how long the leader lease lasts without renewal: "
        "another host takes over at most this long after "
        "the leader dies",
    )
    renew_interval_seconds: float = Field(1.0, gt=0, description="how often the lease is renewed or sought")


class HostConfig(_Strict):
    storage: StorageConfig = Field(default_factory=StorageConfig, description="where runs are kept")
    run_queue: RunQueueConfig = Field(default_factory=RunQueueConfig, description="run queue limits")
    run_monitoring: RunMonitoringConfig = Field(
        default_factory=RunMonitoringConfig, description="detecting lost run workers"
    )
    run_retries: RunRetriesConfig = Field(default_factory=RunRetriesConfig, description="re-launching failed runs")
    run_launcher: RunLauncherConfig = Field(
        default_factory=RunLauncherConfig, description="where runs execute (docs/deploy.md, 'Run launchers')"
    )
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig, description="schedules and catch-up")
    sensors: SensorDaemonConfig = Field(default_factory=SensorDaemonConfig, description="sensor evaluation")
    daemon: DaemonConfig = Field(default_factory=DaemonConfig, description="the leader lease")
    automation: AutomationConfig = Field(
        default_factory=AutomationConfig, description="declarative automation (automation conditions)"
    )


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        lines.append(f"  {where}: {item['msg'].removeprefix('Value error, ')}")
    return "\n".join(lines)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None


def load_workspace(path: Path) -> Workspace:
    """Read and validate workspace.yaml (an entry `project: FOLDER` names a project whose pyproject.toml
    declares its location)."""
    data = _read_yaml(path)
    if isinstance(data, dict) and isinstance(data.get("load_from"), list):
        data = {**data, "load_from": [_expand_project(entry, path.parent) for entry in data["load_from"]]}
    try:
        return Workspace.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            f"{path} is not a valid workspace:\n{_describe(exc)}\nSee README.md, 'workspace.yaml', for the format."
        ) from None


def single_location(python_file: Path | None, module_name: str | None) -> Workspace:
    """The workspace of `weir dev -f FILE` or `weir dev -m MODULE`."""
    entry = {"python_file": str(python_file.resolve())} if python_file else {"python_module": module_name}
    try:
        return Workspace(load_from=[WorkspaceEntry.model_validate(entry)])
    except ValidationError as exc:
        raise ConfigError(f"{'-f' if python_file else '-m'} does not name a location:\n{_describe(exc)}") from None


def project_entry(folder: Path, relative_to: Path | None = None) -> dict[str, Any] | None:
    """The location a project folder's pyproject.toml declares, as a python_module entry; None if it
    declares none. `[tool.weir]` (module_name, code_location_name, python, working_directory) wins over
    Dagster's `[tool.dagster]` (module_name, code_location_name, working_directory) and `[tool.dg.project]`
    (root_module: the module root_module.definitions), so an existing Dagster project runs as is. The
    working directory defaults to `src` when the project has one. Paths are made relative to
    `relative_to` (the workspace file's folder), or absolute."""
    import tomllib

    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        data = tomllib.loads(pyproject.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject} is not valid TOML: {exc}") from None
    tool = data.get("tool", {})
    tables = {"weir": tool.get("weir"), "dagster": tool.get("dagster")}
    dg = tool.get("dg", {}).get("project")
    if isinstance(dg, dict) and dg.get("root_module"):  # a project create-dagster made: [tool.dg.project]
        tables["dg"] = {
            "module_name": dg.get("code_location_target_module") or f"{dg['root_module']}.definitions",
            "code_location_name": dg.get("code_location_name") or data.get("project", {}).get("name"),
        }
    for section, table in tables.items():
        if not isinstance(table, dict) or "module_name" not in table:
            continue
        known = {"module_name", "code_location_name", "working_directory"} | (
            {"python"} if section == "weir" else set()
        )
        unknown = sorted(set(table) - known) if section == "weir" else []
        if unknown:
            raise ConfigError(
                f"{pyproject}: [tool.weir] has unknown keys {', '.join(unknown)} (known: {', '.join(sorted(known))})"
            )

        def place(value: str) -> str:  # absolute, symlinks kept: a venv's python is a link to the base one
            path = os.path.abspath(folder / value)
            return os.path.relpath(path, os.path.abspath(relative_to)) if relative_to else path

        workdir = table.get("working_directory") or ("src" if (folder / "src").is_dir() else ".")
        entry: dict[str, Any] = {"module_name": table["module_name"], "working_directory": place(workdir)}
        if table.get("code_location_name"):
            entry["location_name"] = table["code_location_name"]
        if section == "weir" and table.get("python"):
            entry["executable_path"] = place(table["python"])
        return {"python_module": entry}
    return None


def _expand_project(entry: Any, base: Path) -> Any:
    """`- project: FOLDER` in workspace.yaml: the location that folder's pyproject.toml declares."""
    if not (isinstance(entry, dict) and "project" in entry):
        return entry
    if len(entry) != 1 or not isinstance(entry["project"], str):
        raise ConfigError(f"{base / 'workspace.yaml'}: `project:` takes a folder and nothing beside it (got {entry})")
    found = project_entry(base / entry["project"], relative_to=base)
    if found is None:
        raise ConfigError(
            f"{base / 'workspace.yaml'}: project {entry['project']!r} has no pyproject.toml with a "
            "[tool.weir] or [tool.dagster] table naming module_name"
        )
    return found


def project_location(folder: Path) -> Workspace | None:
    """The workspace of `weir dev` in a project folder without workspace.yaml (see project_entry)."""
    entry = project_entry(folder)
    if entry is None:
        return None
    try:
        return Workspace(load_from=[WorkspaceEntry.model_validate(entry)])
    except ValidationError as exc:
        raise ConfigError(f"{folder / 'pyproject.toml'} does not name a location:\n{_describe(exc)}") from None


def find_workspace(workspace_file: Path | None) -> tuple[Workspace, Path, Path | None]:
    """The workspace of `weir dev` without -f/-m: the given file, else ./workspace.yaml, else the location
    ./pyproject.toml declares. Returns (workspace, base folder, workspace file or None)."""
    if workspace_file is None and not Path("workspace.yaml").exists():
        folder = Path.cwd()
        found = project_location(folder)
        if found is not None:
            return found, folder, None
        raise ConfigError(
            f"{folder / 'workspace.yaml'} does not exist, and {folder / 'pyproject.toml'} declares no location. "
            'Create workspace.yaml, or add to pyproject.toml:\n  [tool.weir]\n  module_name = "my_project.definitions"'
            "\n(Dagster's [tool.dagster] module_name works too), or pass -f FILE / -m MODULE."
        )
    source = (workspace_file or Path("workspace.yaml")).resolve()
    return load_workspace(source), source.parent, source


def load_host_config(path: Path | None) -> HostConfig:
    """Read weir.yaml if given (or $WEIR_HOME/weir.yaml if present); defaults otherwise."""
    if path is None:
        candidate = Path(os.environ.get("WEIR_HOME", ".weir")) / "weir.yaml"
        path = candidate if candidate.exists() else None
    if path is None:
        return HostConfig()
    try:
        return HostConfig.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise ConfigError(f"{path} is not a valid host config:\n{_describe(exc)}") from None
