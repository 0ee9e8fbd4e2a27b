"""Locations as the host manages them: reload, a failed reload, a code server that dies, auth on the
Host API, and TLS between the host and a code server."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from host.cli.client import HostClient
from host.errors import WeirError
from host.locations.client import GrpcLocationClient
from protos.weir.v1 import host_pb2
from tests.support import REPO, alive, dev_host, processes_mentioning, wait_for

CODE = """
import sdk as dg


@dg.asset
def first() -> int:
    return 1


defs = dg.Definitions(assets=[first])
"""
MORE = CODE.replace(
    "defs = dg.Definitions(assets=[first])",
    """@dg.asset
def second(first: int) -> int:
    return first + 1


defs = dg.Definitions(assets=[first, second])""",
)


def _location(client: HostClient) -> host_pb2.Location:
    return client.locations()[0]


def _cli(host, *args: str) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=host.env, cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_reload_picks_up_new_code_and_a_failed_reload_keeps_serving_the_last_good(tmp_path):
    code = tmp_path / "shop.py"
    code.write_text(CODE)
    with dev_host(tmp_path / "home", ["-f", str(code)]) as host:
        client = host.client()
        wait_for(lambda: _location(client).status == host_pb2.LOCATION_LOADED, 30, what="the location to load")
        before = _location(client).snapshot_id
        code.write_text(MORE)
        out = _cli(host, "locations", "reload", "shop")
        assert out.returncode == 0, out.stderr
        after = _location(client)
        assert after.snapshot_id != before and after.asset_count == 2
        code.write_text("import sdk\nraise KeyError('SHOP_API_KEY')\n")
        out = _cli(host, "locations", "reload", "shop")
        assert "KeyError: 'SHOP_API_KEY'" in out.stdout
        failed = _location(client)
        assert failed.status == host_pb2.LOCATION_LOADED and failed.snapshot_id == after.snapshot_id
        assert failed.load_error.type == "KeyError"
        assert client.assets()[1].node.key.path == ["second"]  # the last good snapshot is still served
        # a run imports the code as it is on disk now, and says why it cannot
        run = client.wait_for_run(client.launch_run(host_pb2.LaunchRunRequest(location="shop")).run_id)
        assert run.status == host_pb2.FAILURE
        assert run.failure_reason == "the code location failed to load: 'SHOP_API_KEY'"


def test_a_killed_code_server_shows_unavailable_and_comes_back(tmp_path):
    code = tmp_path / "shop.py"
    code.write_text(CODE)
    with dev_host(tmp_path / "home", ["-f", str(code)]) as host:
        client = host.client()
        wait_for(lambda: _location(client).status == host_pb2.LOCATION_LOADED, 30, what="the location to load")
        server_id_before = _location(client).endpoint
        servers = [
            p
            for p in processes_mentioning(str(tmp_path / "home" / "runs"))
            if b"codeserver" in Path(f"/proc/{p}/cmdline").read_bytes()
        ]
        os.kill(servers[0], signal.SIGKILL)
        wait_for(
            lambda: (
                _location(client).status == host_pb2.LOCATION_LOADED and _location(client).endpoint != server_id_before
            ),
            30,
            what="the host to start the server again",
        )
        run = client.launch_run(host_pb2.LaunchRunRequest(location="shop"))
        assert client.wait_for_run(run.run_id).status == host_pb2.SUCCESS


def test_the_host_api_rejects_a_client_without_the_token(tmp_path):
    code = tmp_path / "shop.py"
    code.write_text(CODE)
    with dev_host(tmp_path / "home", ["-f", str(code)]) as host:
        client = host.client()
        anonymous = HostClient(client.address, token=None)
        with pytest.raises(WeirError, match="token"):
            anonymous.locations()
        assert client.locations()[0].name == "shop"


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _code_server(tmp_path: Path, code: Path, token: str | None, *tls_args: str) -> tuple[subprocess.Popen[bytes], int]:
    ready = tmp_path / f"ready-{len(tls_args)}.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "codeserver",
            "start",
            "-f",
            str(code),
            "--port",
            "0",
            "--ready-file",
            str(ready),
            "--runs-dir",
            str(tmp_path / "runs"),
            *tls_args,
        ],
        cwd=REPO,
        env={**os.environ, **({"WEIR_TOKEN": token} if token else {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return proc, wait_for(lambda: ready.exists() and json.loads(ready.read_text())["port"], 30, what="the server")


def test_tls_between_host_and_code_server(tmp_path):
    code = tmp_path / "shop.py"
    code.write_text(CODE)
    cert, key = _self_signed(tmp_path)
    proc, port = _code_server(tmp_path, code, None, "--tls-cert", str(cert), "--tls-key", str(key))
    try:
        secure = GrpcLocationClient("shop", f"localhost:{port}", tls_ca=cert.read_bytes())
        assert wait_for(lambda: secure.handshake().snapshot_id, 30, what="the code to load")
        plain = GrpcLocationClient("shop", f"localhost:{port}")
        with pytest.raises(WeirError):
            plain.handshake()
        secure.close()
        plain.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def test_host_api_over_tls_with_a_token(tmp_path):
    code = tmp_path / "shop.py"
    code.write_text(CODE)
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(f"load_from:\n  - python_file: {code}\n")
    cert, key = _self_signed(tmp_path)
    home = tmp_path / "home"
    env = {
        **os.environ,
        "WEIR_HOME": str(home),
        "WEIR_TOKEN": "host-secret",
        "WEIR_TLS_CERT": str(cert),
        "WEIR_TLS_KEY": str(key),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "host.cli", "host", "start", "-w", str(workspace), "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: (home / "host.json").exists(), 30, what="the host to start")
        address = json.loads((home / "host.json").read_text())["address"]
        client = HostClient(address, token="host-secret", tls_ca=cert.read_bytes())
        wait_for(lambda: _location(client).status == host_pb2.LOCATION_LOADED, 30, what="the location to load")
        run = client.launch_run(host_pb2.LaunchRunRequest(location="shop"))
        assert client.wait_for_run(run.run_id).status == host_pb2.SUCCESS
        with pytest.raises(WeirError):
            HostClient(address, token="host-secret").locations()  # plaintext against a TLS port
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)


def test_ssl_without_a_ca_file_uses_tls_with_the_system_roots_never_plaintext(tmp_path):
    code = tmp_path / "shop.py"
    code.write_text(CODE)
    cert, key = _self_signed(tmp_path)
    secure, secure_port = _code_server(tmp_path, code, "remote-secret", "--tls-cert", str(cert), "--tls-key", str(key))
    plain, plain_port = _code_server(tmp_path, code, "remote-secret")
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(
        f"load_from:\n"
        f"  - grpc_server: {{host: localhost, port: {secure_port}, location_name: secure, ssl: true,"
        f" token_env: REMOTE_TOKEN}}\n"
        f"  - grpc_server: {{host: localhost, port: {plain_port}, location_name: plain, ssl: true,"
        f" token_env: REMOTE_TOKEN}}\n"
    )
    # the "system roots" of this host: gRPC reads them from this file instead of the OS bundle
    env = {"REMOTE_TOKEN": "remote-secret", "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(cert)}
    try:
        with dev_host(tmp_path / "home", ["-w", str(workspace)], env=env) as host:
            client = host.client()
            by_name = lambda: {loc.name: loc for loc in client.locations()}  # noqa: E731
            wait_for(lambda: by_name()["secure"].status == host_pb2.LOCATION_LOADED, 30, what="TLS with system roots")
            plain_location = by_name()["plain"]  # ssl: true against a plaintext server must not fall back
            assert plain_location.status != host_pb2.LOCATION_LOADED and not plain_location.snapshot_id
    finally:
        for proc in (secure, plain):
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)


SHARED_ORDERS = """
import sdk as dg


@dg.asset
def orders() -> int:
    return 1


defs = dg.Definitions(assets=[orders])
"""
SPEC_OF_ORDERS = """
import sdk as dg

orders = dg.AssetSpec("orders")


@dg.asset(deps=[orders])
def report() -> int:
    return 2


defs = dg.Definitions(assets=[orders, report])
"""


def test_one_asset_materializable_in_two_locations_is_an_error_on_both_until_one_changes(tmp_path):
    (tmp_path / "shop.py").write_text(SHARED_ORDERS)
    (tmp_path / "warehouse.py").write_text(SHARED_ORDERS)
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(
        "load_from:\n  - python_file: {relative_path: shop.py}\n  - python_file: {relative_path: warehouse.py}\n"
    )
    with dev_host(tmp_path / "home", ["-w", str(workspace)]) as host:
        client = host.client()

        def statuses() -> dict[str, host_pb2.Location]:
            return {loc.name: loc for loc in client.locations()}

        wait_for(
            lambda: all(loc.status == host_pb2.LOCATION_ERROR for loc in statuses().values()),
            30,
            what="both locations to be in error",
        )
        found = statuses()
        assert "asset 'orders' is also materialized by location 'warehouse'" in found["shop"].error_message
        assert "asset 'orders' is also materialized by location 'shop'" in found["warehouse"].error_message
        with pytest.raises(WeirError, match="cannot be used: asset 'orders' is also materialized"):
            client.launch_run(host_pb2.LaunchRunRequest(location="shop"))
        (tmp_path / "warehouse.py").write_text(SPEC_OF_ORDERS)  # an AssetSpec of shop's asset is fine
        assert _cli(host, "locations", "reload", "warehouse").returncode == 0
        wait_for(
            lambda: all(loc.status == host_pb2.LOCATION_LOADED for loc in statuses().values()),
            30,
            what="both locations to load once the clash is gone",
        )
        run = client.launch_run(host_pb2.LaunchRunRequest(location="shop"))
        assert client.wait_for_run(run.run_id).status == host_pb2.SUCCESS


def test_workspace_reload_adds_and_removes_locations_without_a_restart(tmp_path):
    (tmp_path / "shop.py").write_text(CODE)
    (tmp_path / "warehouse.py").write_text(CODE.replace("first", "stock"))  # its own asset: no clash
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text("load_from:\n  - python_file: {relative_path: shop.py}\n")
    with dev_host(tmp_path / "home", ["-w", str(workspace)]) as host:
        client = host.client()

        def statuses() -> dict[str, int]:
            return {loc.name: loc.status for loc in client.locations()}

        wait_for(lambda: statuses() == {"shop": host_pb2.LOCATION_LOADED}, 30, what="shop to load")
        shop_server = [p for p in processes_mentioning(str(tmp_path / "shop.py")) if p != host.proc.pid]
        workspace.write_text(
            "load_from:\n  - python_file: {relative_path: shop.py}\n  - python_file: {relative_path: warehouse.py}\n"
        )
        out = _cli(host, "workspace", "reload")
        assert out.returncode == 0 and "added: warehouse" in out.stdout, out.stdout + out.stderr
        wait_for(
            lambda: statuses() == {"shop": host_pb2.LOCATION_LOADED, "warehouse": host_pb2.LOCATION_LOADED},
            30,
            what="warehouse to load next to shop",
        )
        assert [p for p in processes_mentioning(str(tmp_path / "shop.py")) if p != host.proc.pid] == shop_server
        workspace.write_text("load_from:\n  - python_file: {relative_path: warehouse.py}\n  - [not, a location\n")
        broken = _cli(host, "workspace", "reload")
        assert broken.returncode == 1 and "Traceback" not in broken.stderr and "workspace" in broken.stderr
        assert set(statuses()) == {"shop", "warehouse"}  # a file that does not load changes nothing
        workspace.write_text("load_from:\n  - python_file: {relative_path: warehouse.py}\n")
        removed = _cli(host, "workspace", "reload")
        assert "removed: shop" in removed.stdout, removed.stdout + removed.stderr
        assert set(statuses()) == {"warehouse"}
        wait_for(
            lambda: not shop_server or not any(alive(p) for p in shop_server), 15, what="shop's code server to stop"
        )
        run = client.launch_run(host_pb2.LaunchRunRequest(location="warehouse"))
        assert client.wait_for_run(run.run_id).status == host_pb2.SUCCESS


def test_workspace_reload_of_a_single_file_host_says_what_to_do(tmp_path):
    (tmp_path / "shop.py").write_text(CODE)
    with dev_host(tmp_path / "home", ["-f", str(tmp_path / "shop.py")]) as host:
        host.client()
        out = _cli(host, "workspace", "reload")
        assert (
            out.returncode == 1
            and "started with -f/-m or from a project's pyproject.toml, not a workspace.yaml" in out.stderr
        )
