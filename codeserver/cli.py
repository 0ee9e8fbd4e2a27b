"""`python -m codeserver ...`: the code server's own command line (the host's `weir code-server` execs it).

argparse rather than click: a location's environment should need as little as possible.
"""

from __future__ import annotations

import argparse
import os

from codeserver.target import LoadTarget


def _add_target_args(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("-f", "--python-file", help="a Python file that defines the location's Definitions")
    source.add_argument("-m", "--module-name", help="an importable module that defines them")
    parser.add_argument("-a", "--attribute", help="the Definitions attribute (default: the only one)")
    parser.add_argument("-d", "--working-directory", help="directory to import from (default: cwd)")
    parser.add_argument("--location-name", help="the location's name (default: file stem or module)")


def _target(ns: argparse.Namespace) -> tuple[LoadTarget, str]:
    target = LoadTarget(ns.python_file, ns.module_name, ns.attribute, ns.working_directory)
    default = (
        os.path.splitext(os.path.basename(ns.python_file))[0] if ns.python_file else str(ns.module_name).split(".")[0]
    )
    return target, ns.location_name or default


def parse_target(argv: list[str]) -> tuple[LoadTarget, str]:
    """Parse only the target flags (used by the code server's child processes)."""
    parser = argparse.ArgumentParser(prog="codeserver.userprocess_child")
    _add_target_args(parser)
    return _target(parser.parse_args(argv))


def _seconds(text: str) -> float:
    """A duration above zero (argparse also applies this to the default taken from the environment)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a finite number of seconds above 0 (set by the option or by WEIR_IMPORT_TIMEOUT)"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="weir code-server", description="Serve one code location.")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="load the location and serve the CodeServer API")
    _add_target_args(start)
    env = os.environ.get
    start.add_argument("--host", default=env("WEIR_CODE_SERVER_HOST", "127.0.0.1"), help="bind address")
    start.add_argument(
        "--port", type=int, default=int(env("WEIR_CODE_SERVER_PORT", "4266")), help="port (0 picks a free one)"
    )
    start.add_argument(
        "--runs-dir",
        default=env("WEIR_RUNS_DIR"),
        help="where run workers keep their journals (default: $WEIR_HOME/runs/<location>)",
    )
    start.add_argument("--ready-file", help="write {port, pid} here once the port is bound")
    start.add_argument(
        "--token-env",
        default="WEIR_TOKEN",
        help="environment variable holding the token clients must send (unset: no auth)",
    )
    start.add_argument("--tls-cert", default=env("WEIR_TLS_CERT"), help="PEM certificate for TLS")
    start.add_argument("--tls-key", default=env("WEIR_TLS_KEY"), help="PEM private key for TLS")
    start.add_argument(
        "--pool-size",
        type=int,
        default=int(env("WEIR_USER_PROCESSES", "2")),
        help="user processes kept warm for evaluations (each holds an import of the code; "
        "a second one keeps evaluations going while one is stuck)",
    )
    start.add_argument(
        "--import-timeout",
        type=_seconds,
        default=env("WEIR_IMPORT_TIMEOUT", "180"),
        help="seconds the location's code may take to import before the load fails and the "
        "location shows an error (default 180, WEIR_IMPORT_TIMEOUT)",
    )
    start.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one dies (used by weir dev)",
    )
    _add_run_worker_parser(sub)
    return parser


def _add_run_worker_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    env = os.environ.get
    worker = sub.add_parser(
        "run-worker",
        help="run one run and serve its events (what a run container runs: the docker run launcher)",
    )
    _add_target_args(worker)
    worker.add_argument("--run-id", required=True, help="the run to serve; StartRun for it starts its worker")
    worker.add_argument("--host", default=env("WEIR_CODE_SERVER_HOST", "0.0.0.0"), help="bind address")
    worker.add_argument(
        "--port", type=int, default=int(env("WEIR_CODE_SERVER_PORT", "4266")), help="port (0 picks a free one)"
    )
    worker.add_argument(
        "--runs-dir",
        default=env("WEIR_RUNS_DIR"),
        help="where the run's worker keeps its journal (default: $WEIR_HOME/runs/<location>)",
    )
    worker.add_argument("--ready-file", help="write the port here once it is bound")
    worker.add_argument(
        "--token-env", default="WEIR_TOKEN", help="environment variable holding the token the host sends"
    )


def _run_worker(parser: argparse.ArgumentParser, ns: argparse.Namespace) -> None:
    from pathlib import Path

    from protos.names import path_component_problem

    target, location_name = _target(ns)
    for what, value in (("run id", ns.run_id), ("location name", location_name)):
        problem = path_component_problem(value)
        if problem:  # both name directories under the runs dir
            parser.error(f"{what} {value!r} {problem}")
    from codeserver.run_worker_server import RunWorkerOptions, serve_run

    weir_home = Path(os.environ.get("WEIR_HOME", ".weir"))
    serve_run(
        RunWorkerOptions(
            run_id=ns.run_id,
            target=target,
            location_name=location_name,
            runs_dir=Path(ns.runs_dir or weir_home / "runs" / location_name),
            host=ns.host,
            port=ns.port,
            token=os.environ.get(ns.token_env) or None,
            ready_file=ns.ready_file,
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    ns = parser.parse_args(argv)
    if ns.command == "run-worker":
        _run_worker(parser, ns)
        return
    target, location_name = _target(ns)
    from protos.names import path_component_problem

    problem = path_component_problem(location_name)
    if problem:  # it names the runs directory under WEIR_HOME
        parser.error(f"location name {location_name!r} {problem}; pass --location-name with a plain name like 'sales'")
    from codeserver.userprocess import UserProcess

    first_load = UserProcess(target, location_name)  # import the user's code while grpc is imported here
    from codeserver.server import ServerOptions, serve

    serve(
        first_load,
        ServerOptions(
            target=target,
            location_name=location_name,
            host=ns.host,
            port=ns.port,
            runs_dir=ns.runs_dir,
            ready_file=ns.ready_file,
            token=os.environ.get(ns.token_env) or None,
            tls_cert=ns.tls_cert,
            tls_key=ns.tls_key,
            exit_with_parent=ns.exit_with_parent,
            pool_size=ns.pool_size,
            import_timeout=ns.import_timeout,
        ),
    )
