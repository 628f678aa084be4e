"""The source registries shipped with the project load and say what they are."""

from collections import Counter

import pytest

from ogi.acquire.sources import load_sources
from tests.conftest import ROOT


def test_default_registry_points_at_the_sample():
    (sample,) = load_sources(ROOT / "sources.yaml")
    assert sample.kind == "files" and len(sample.files()) == 9


def test_starter_registry_covers_every_level_and_is_marked_untested():
    sources = load_sources(ROOT / "registry" / "starter_sources.yaml")
    assert len({s.name for s in sources}) == len(sources) >= 30
    assert all(s.options["untested"] is True and s.options.get("found_in") for s in sources)
    columns = Counter(s.options["level"] for s in sources if s.kind == "listing")
    assert sum(columns.values()) >= 30
    levels = Counter(s.options["level"] for s in sources)
    assert set(levels) == {"ministry", "province", "city", "county", "district", "town"}
    assert all(s.url.startswith(("http://", "https://")) for s in sources if s.kind == "listing")
    assert all(u.url.startswith(("http://", "https://")) for s in sources if s.kind == "urls" for u in s.urls)


@pytest.mark.slow
def test_a_malformed_registry_is_a_clear_error(tmp_path):
    import os
    import subprocess
    import sys

    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - {name: x}\n", encoding="utf-8")
    env = {**os.environ, "OGI_SOURCES": str(bad), "OGI_DATA": str(tmp_path / "data"),
           "DAGSTER_HOME": str(tmp_path / "home")}
    (tmp_path / "home").mkdir()
    for command in ("materialize", "discover"):
        out = subprocess.run([sys.executable, "-m", "orchestration.cli", command], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=False, timeout=120)
        assert out.returncode == 2
        assert "needs `name` and `kind`" in out.stderr and "Traceback" not in out.stderr



@pytest.mark.slow
def test_every_configuration_mistake_stops_ogi_materialize_with_one_clear_message(tmp_path):
    import os
    import subprocess
    import sys

    files = {"OGI_WAIVERS": ("waivers:\n  - {doc_id: abc}\n", "needs doc_id, rule and reason"),
             "OGI_WITHDRAWN": ("withdrawn:\n  - {reason: gone}\n", "needs `doc_id` or `source_url`"),
             "OGI_GATE": ("mostly: {t3_balance: 0}\n", "is not a share in (0, 1]")}
    (tmp_path / "home").mkdir()
    for variable, (text, message) in files.items():
        bad = tmp_path / f"{variable}.yaml"
        bad.write_text(text, encoding="utf-8")
        env = {**os.environ, variable: str(bad), "OGI_DATA": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path / "home")}
        out = subprocess.run([sys.executable, "-m", "orchestration.cli", "materialize", "--year", "2020"], cwd=ROOT,
                             env=env, capture_output=True, text=True, check=False, timeout=120)
        assert out.returncode == 2, (variable, out.stderr[-2000:])
        assert message in out.stderr and "Traceback" not in out.stderr
        assert not (tmp_path / "data" / "staging").exists()
