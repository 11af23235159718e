"""Our lazy provider bindings synthesize byte for byte what the package's own import does.

landing_zone/bindings.py registers cdktf_cdktf_provider_aws without running its `__init__`
(which imports all ~2,100 submodules); LZ_EAGER_BINDINGS=1 takes the package's own path.
One `lz synth` process per path, every stack of the root project.yaml (member stacks
included: account ids as if organizations had applied), every file of cdktf.out compared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from landing_zone import layers
from landing_zone.config import load_project
from tests.conftest import ROOT
from tests.synth_helpers import fake_account_ids, prepare_project

PROVIDER = "cdktf_cdktf_provider_aws"
# `lz synth`, then how many provider submodules the process imported (on stderr).
DRIVER = f"""
import sys
from landing_zone.cli.main import main
code = main(["synth"])
print("provider-modules", sum(m.startswith("{PROVIDER}.") for m in sys.modules), file=sys.stderr)
sys.exit(code)
"""


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _modules(stderr: str) -> int:
    line = next(ln for ln in stderr.splitlines() if ln.startswith("provider-modules"))
    return int(line.split()[1])


def test_lazy_bindings_synthesize_identical_json(tmp_path: Path) -> None:
    config = prepare_project(ROOT / "project.yaml", tmp_path / "project")
    project, _ = load_project(config)
    work = tmp_path / ".lz"
    work.mkdir()
    (work / "account_ids.json").write_text(json.dumps(fake_account_ids(project)))
    base = {k: v for k, v in os.environ.items() if not k.startswith("LZ_")}
    base.update(LZ_CONFIG=str(config), LZ_WORK_DIR=str(work), LZ_TARGET="local")
    procs = {}
    for path, eager_flag in (("eager", "1"), ("lazy", "")):
        env = {**base, "LZ_OUT_DIR": str(tmp_path / f"out-{path}"), "LZ_EAGER_BINDINGS": eager_flag}
        procs[path] = subprocess.Popen(
            [sys.executable, "-c", DRIVER], cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
        )
    results = {path: proc.communicate(timeout=600) for path, proc in procs.items()}
    for path, proc in procs.items():
        assert proc.returncode == 0, f"{path}: {results[path][1][-3000:]}"
    assert _modules(results["eager"][1]) > 2000  # the package's own __init__ ran
    assert _modules(results["lazy"][1]) < 300  # only what the stacks use (~100 of ~2,100 with the audit and ci layers)

    eager, lazy = _files(tmp_path / "out-eager"), _files(tmp_path / "out-lazy")
    stacks = {Path(name).parts[1] for name in eager if name.startswith("stacks/")}
    assert stacks == set(layers.stack_ids(project))  # every stack, members' too
    assert sorted(lazy) == sorted(eager)
    different = [name for name in eager if eager[name] != lazy[name]]
    assert not different, f"differ: {different}"
