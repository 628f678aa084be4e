"""Beyond one machine: the shipped deployment files, and a backfill through dagster-daemon with
PostgreSQL for the instance and S3 (moto's server on loopback) for the data."""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.sessions import end_session, in_session, wait_until

BIN = Path(sys.executable).parent


def test_the_deployment_instance_is_the_local_one_plus_postgres():
    local = yaml.safe_load((ROOT / "orchestration" / "dagster.yaml").read_text(encoding="utf-8"))
    deployed = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text(encoding="utf-8"))
    assert deployed.pop("storage") == {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}}
    assert deployed == local


def test_the_helm_values_run_one_pod_per_run_with_limits_that_match_the_workers():
    values = yaml.safe_load((ROOT / "deploy" / "helm" / "values.yaml").read_text(encoding="utf-8"))
    launcher = values["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher"
    config = launcher["config"]["k8sRunLauncher"]
    limits = config["runK8sConfig"]["containerConfig"]["resources"]["limits"]
    env = {e["name"]: e.get("value") for e in config["runK8sConfig"]["containerConfig"]["env"]}
    assert int(env["OGI_WORKERS"]) == int(limits["cpu"])
    assert {"ogi-settings"} == set(config["envConfigMaps"]) and {"ogi-secrets"} == set(config["envSecrets"])
    (location,) = values["dagster-user-deployments"]["deployments"]
    assert location["dagsterApiGrpcArgs"] == ["-m", "orchestration.definitions"]
    assert values["postgresql"]["enabled"] is False  # the instance's database is DAGSTER_PG_URL's


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def postgres():
    """A PostgreSQL server of its own on loopback (initdb refuses root: it runs as `postgres`, in a
    folder that user can reach, which pytest's private tmp folders are not)."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        pytest.fail("PostgreSQL is not installed (Debian package postgresql; .ci/run installs it)")
    bindir, user = Path(binaries[-1]).parent, pwd.getpwnam("postgres")
    base = Path(tempfile.mkdtemp(prefix="ogi-pg-"))
    base.chmod(0o755)
    data, sockets, port = base / "pg", base / "sock", _free_port()
    for folder in (data, sockets):
        folder.mkdir()
        os.chown(folder, user.pw_uid, user.pw_gid)

    def as_postgres(*args):
        subprocess.run(["runuser", "-u", "postgres", "--", *map(str, args)], check=True, capture_output=True)

    as_postgres(bindir / "initdb", "-D", data, "-A", "trust", "-U", "postgres")
    as_postgres(bindir / "pg_ctl", "-D", data, "-l", data / "log", "-w", "start", "-o",
                f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1")
    try:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", "create database dagster"],
                       check=True, capture_output=True)
        yield f"postgresql://postgres@127.0.0.1:{port}/dagster"
    finally:
        as_postgres(bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(base)


@pytest.fixture
def s3():
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        if not wait_until(lambda: _listening(port), 120):
            raise TimeoutError(f"nothing listens on {port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        end_session(server)


@pytest.mark.slow
def test_a_two_year_backfill_with_postgres_and_s3(tmp_path, postgres, s3):
    import dagster as dg
    import duckdb
    import pyarrow.dataset as pads
    import s3fs

    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "DAGSTER_PG_URL": postgres,
           "OGI_DATA": "s3://ogi-test/data", "OGI_WAIVERS": str(ROOT / "waivers.yaml"), "OGI_WORKERS": "2",
           "AWS_ENDPOINT_URL": s3, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}
    (tmp_path / "home").mkdir()
    shutil.copyfile(ROOT / "deploy" / "dagster.yaml", tmp_path / "home" / "dagster.yaml")
    fs = s3fs.S3FileSystem(key="testing", secret="testing", endpoint_url=s3)
    fs.mkdir("ogi-test")
    backfill = subprocess.Popen([str(BIN / "ogi"), "backfill", "--from", "2020", "--to", "2021"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, err = backfill.communicate(timeout=600)
    finally:
        end_session(backfill)
    assert backfill.returncode == 0, err[-3000:]
    daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-m", "orchestration.definitions"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        os.environ["DAGSTER_PG_URL"] = postgres  # for this process's view of the same instance
        with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
            runs = []

            def finished() -> bool:
                runs[:] = instance.get_runs()
                return len(runs) == 2 and all(r.is_finished for r in runs)

            assert wait_until(finished, 900, step=2), [(r.job_name, r.tags, r.status.value) for r in runs]
            assert sorted((r.tags.get("dagster/partition"), r.status.value) for r in runs) == [
                ("2020", "SUCCESS"), ("2021", "SUCCESS")]
        assert len(in_session(daemon.pid)) >= 2  # the daemon and the code server it started
        os.kill(daemon.pid, signal.SIGTERM)  # the daemon alone, as a supervisor stops it
        assert wait_until(lambda: not in_session(daemon.pid), 300), \
            f"{in_session(daemon.pid)} still alive after the daemon was stopped"
    finally:
        os.environ.pop("DAGSTER_PG_URL", None)
        end_session(daemon)  # whatever a failure left: the whole session, the code server included
    assert fs.exists("ogi-test/data/data_docs/static/MANIFEST")  # Data Docs: static files once, pages per year
    assert fs.exists("ogi-test/data/data_docs/year=2021/index.html")
    assert not fs.exists("ogi-test/data/data_docs/year=2021/static")
    docs = pads.dataset("ogi-test/data/documents", filesystem=fs, format="parquet", partitioning="hive").to_table()
    assert sorted(docs.column("year").to_pylist()) == [2020, 2020, 2020, 2021]
    con = duckdb.connect()
    con.register_filesystem(fs)
    received = con.sql("select year, sum(value) from read_parquet('s3://ogi-test/data/cells/*/*.parquet', "
                       "hive_partitioning=1) where \"table\"='t3' and \"row\"='new_received' and \"column\"='total' "
                       "group by year order by year").fetchall()
    assert [year for year, _ in received] == [2020, 2021] and all(total is not None for _, total in received)
