"""Benchmarks of synth, CLI start-up and deploys: one markdown table, medians of cold processes.

Run from the repository root (after `make setup`):

    make bench                                      # everything: ~30-40 min on 2 busy cores
    .venv/bin/python benchmarks/run.py --quick      # synth and start-up rows only (~10-15 min)
    .venv/bin/python benchmarks/run.py --quick --synth-runs 5 --startup-runs 20
    .venv/bin/python benchmarks/run.py --only deploy --deploy-runs 1
    .venv/bin/python benchmarks/run.py --quick --experiments   # + synth variants behind the findings

Every figure is the median of N fresh processes (N is in the table) with the peak RSS of
the command's whole process tree (python, the jsii node child, terraform and providers),
sampled from /proc. Runs of the rows being compared are interleaved, so load from other
users of the machine spreads over both; the load average is printed with the table.
Targets (met/missed) are ratios of rows of the same run, not absolute times, except the
0.5 s start-up budget.

Rows:
- synth: `lz synth` of the root project.yaml and of generated orgs of 25 and 100 member
  accounts (`--sizes`), naive (the usual cdktf app: LZ_EAGER_BINDINGS=1, the package's own
  `import cdktf_cdktf_provider_aws`, and cdktf's per-construct validation) and ours
  (landing_zone/bindings.py, one validation pass: landing_zone/app.py). Member stacks are
  included: `<work_dir>/account_ids.json` holds fake ids, as after organizations applied.
  The jsii package cache (.lz/jsii-cache) is warm, as on a developer's machine.
- access: `lz access` over the root project's synth, with PMapper's pattern cache (2,048,
  benchmarks/access_variant.py) and ours (landing_zone/access/evaluator.py); same output.
- start-up: `python -c pass` (the interpreter alone), `lz --help`, `lz validate`,
  `lz credentials configure --help`.
- gc (skipped by --quick): `lz plan` of management-organizations and management-tf-backend,
  deployed on a fresh emulator, with Go's default GOGC=100 and with lz's (deploy/tfenv.py).
- deploy (skipped by --quick), each on a fresh emulator and an empty work dir:
  sequential `npx cdktf deploy <stack>` of every stack in dependency order, with the
  environment of `eval "$(lz env)"`, `--skip-provider-lock --auto-approve`. cdktf can't
  deploy the stacks lz has to special-case, so those run as `lz up --stack <stack>`: the
  tf-backend stacks (their state lives in the bucket they create: lz applies with local
  state, then migrates it) and management-organizations (the management account can only
  be imported once the organization exists: lz applies the organization first, then the
  rest; it also records the member account ids the member stacks are synthesized with).
  `--app` runs main.py with this venv's python (cdktf.json's `pipenv run` adds ~1 s per
  stack). Then `lz up` from empty, `lz up` again (nothing changed) and `lz up --refresh`
  (nothing changed, every stack planned).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import measure, orgs  # noqa: E402
from benchmarks.measure import Figure, Sample, fmt_bytes, fmt_seconds  # noqa: E402

PY = Path(sys.executable)
LZ = [str(PY.with_name("lz"))] if PY.with_name("lz").exists() else [str(PY), "-m", "landing_zone.cli.main"]
STARTUP_BUDGET = 0.5


@dataclass
class Row:
    name: str
    figure: Figure | None = None
    note: str = ""
    target: str = ""
    met: bool | None = None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    targets: list[tuple[str, str, bool]] = field(default_factory=list)  # (target, measured, met)
    notes: list[str] = field(default_factory=list)
    shapes: list[tuple[str, int, int, int, int]] = field(default_factory=list)  # (org, stacks, waves, widest, chain)

    def row(self, name: str, figure: Figure | None, note: str = "") -> Row:
        r = Row(name, figure, note)
        self.rows.append(r)
        return r

    def target(self, what: str, measured: str, met: bool, *rows: Row) -> None:
        self.targets.append((what, measured, met))
        for r in rows:
            r.target, r.met = what, met


def base_env(**extra: str) -> dict[str, str]:
    """os.environ without LZ_*/AWS_* (a benchmark must not pick up a developer's emulator)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LZ_", "AWS_"))}
    env.update(JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20", AWS_EC2_METADATA_DISABLED="true")
    # The code next to this script, also from another checkout (the venv's editable install
    # points at the main one); an exported JSII_RUNTIME_PACKAGE_CACHE_ROOT is kept.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env.update(extra)
    return env


def provider_mirror() -> str | None:
    found = (
        os.environ.get("LZ_PROVIDER_MIRROR") or subprocess.run([str(ROOT / "scripts" / "find-provider-mirror")], capture_output=True, text=True).stdout.strip()
    )
    return found or None


def progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def interleaved(cases: Mapping[str, Callable[[], Sample]], runs: int) -> dict[str, Figure]:
    """Run every case `runs` times, round-robin, so machine load hits each case alike."""
    samples: dict[str, list[Sample]] = {name: [] for name in cases}
    for i in range(runs):
        for name, case in cases.items():
            s = case()
            samples[name].append(s)
            progress(f"{name} #{i + 1}: {s.wall:.2f} s, {fmt_bytes(s.peak_rss)}")
    return {name: Figure(tuple(s)) for name, s in samples.items()}


# ---------------------------------------------------------------- synth


def synth_case(project_dir: Path, out: str, **env: str) -> Callable[[], Sample]:
    work = project_dir / ".lz"
    run_env = base_env(LZ_CONFIG=str(project_dir / "project.yaml"), LZ_WORK_DIR=str(work), LZ_OUT_DIR=str(project_dir / out), LZ_TARGET="local", **env)

    def case() -> Sample:
        return measure.run([*LZ, "synth"], cwd=project_dir, env=run_env)

    return case


def variant_case(project_dir: Path, out: str, *flags: str, **env: str) -> Callable[[], Sample]:
    """benchmarks/synth_variant.py: `lz synth` as the usual cdktf app would, or with a remedy."""
    run_env = base_env(
        LZ_CONFIG=str(project_dir / "project.yaml"), LZ_WORK_DIR=str(project_dir / ".lz"), LZ_OUT_DIR=str(project_dir / out), LZ_TARGET="local", **env
    )
    py_flags = ["-O"] if "-O" in flags else []
    rest = [f for f in flags if f != "-O"]

    def case() -> Sample:
        return measure.run([str(PY), *py_flags, str(ROOT / "benchmarks" / "synth_variant.py"), *rest], cwd=project_dir, env=run_env)

    return case


def same_output(a: Path, b: Path) -> bool:
    files = lambda d: {str(p.relative_to(d)): p.read_bytes() for p in d.rglob("*") if p.is_file()}  # noqa: E731
    return files(a) == files(b)


NAIVE_UP_TO = 100  # member accounts; the naive synth of bigger orgs takes minutes and shows nothing new


def wave_shape(config: Path) -> tuple[int, int, int, int]:
    """(stacks, waves, widest wave, longest dependency chain) of the project, from the layers table."""
    from landing_zone import layers
    from landing_zone.config import load_project

    project, _ = load_project(config)
    waves, deps = layers.waves(project), layers.dependencies(project)
    depth: dict[tuple[str, str], int] = {}
    for wave in waves:  # the chain counted from the dependencies, not from the waves
        for s in wave:
            depth[s] = 1 + max((depth[d] for d in deps[s]), default=0)
    return sum(map(len, waves)), len(waves), max(map(len, waves)), max(depth.values())


def sized_orgs(prefix: Path, gnupghome: Path, sizes: list[int]) -> Iterator[tuple[int | None, str, Path]]:
    """(member accounts, key, prepared project.yaml): the root project, then a generated org per size."""
    for members in [None, *sizes]:
        key = "root" if members is None else str(members)
        yield members, key, orgs.prepare(prefix.with_name(f"{prefix.name}-{key}"), gnupghome, members)


def bench_synth(report: Report, work: Path, gnupghome: Path, sizes: list[int], runs: int, experiments: bool) -> None:
    """The root project, then a generated org per size (member accounts)."""
    from landing_zone.synth import processes

    ours: dict[str, Figure] = {}
    one: dict[str, Figure] = {}
    chains: dict[str, int] = {}
    for members, key, config in sized_orgs(work / "synth", gnupghome, sizes):
        pdir = config.parent
        stacks, waves, widest, chain = wave_shape(config)
        jobs = processes(stacks)  # what lz chooses on this machine (LZ_SYNTH_JOBS is not passed on)
        if members is None:
            label, org = f"root project.yaml (3 accounts, {stacks} stacks)", "root project.yaml (3 accounts)"
        else:
            label = f"generated org ({members} member accounts, {stacks} stacks)"
            org = f"generated org ({members} member accounts)"
        report.shapes.append((org, stacks, waves, widest, chain))
        chains[key] = chain
        naive = members is None or members <= NAIVE_UP_TO
        cases: dict[str, Callable[[], Sample]] = {}
        if naive:  # the usual cdktf app: the package's eager __init__, cdktf's own validation
            cases[f"naive {key}"] = variant_case(pdir, "out-naive", "--cdktf-validation", LZ_EAGER_BINDINGS="1")
        cases[f"ours {key}"] = synth_case(pdir, "out-ours")
        if jobs > 1:
            cases[f"one {key}"] = synth_case(pdir, "out-one", LZ_SYNTH_JOBS="1")
        variants = {"-O": (("-O",), "python -O (no typeguard checks)")}
        if experiments:
            for v, (flags, _) in variants.items():
                cases[f"{v} {key}"] = variant_case(pdir, f"out-{v}", *flags, LZ_SYNTH_JOBS="1")
        progress(f"synth: {label}")
        if members is None:
            cases[f"ours {key}"]()  # untimed warm-up: fills the jsii package cache if it is cold
        figs = interleaved(cases, runs)
        reference = "out-naive" if naive else "out-one"
        procs = f"{jobs} processes" if jobs > 1 else "one process"
        if naive:
            naive_row = report.row(f"synth {label}: naive (eager import, cdktf validation)", figs[f"naive {key}"])
        our = report.row(f"synth {label}: ours (lazy bindings, one validation, {procs})", figs[f"ours {key}"])
        ours[key] = figs[f"ours {key}"]
        what = "naive" if naive else "one process"
        identical = same_output(pdir / reference, pdir / "out-ours")
        our.note = f"JSON identical to {what}" if identical else f"JSON DIFFERS from {what}"
        if jobs > 1:
            one[key] = figs[f"one {key}"]
            same = same_output(pdir / reference, pdir / "out-one")
            report.row(f"synth {label}: ours in one process (LZ_SYNTH_JOBS=1)", figs[f"one {key}"], "JSON identical" if same else "JSON DIFFERS")
        if experiments:
            for v, (_, what) in variants.items():
                same = same_output(pdir / reference, pdir / f"out-{v}")
                report.row(f"synth {label}: experiment, ours in one process + {what}", figs[f"{v} {key}"], "JSON identical" if same else "JSON DIFFERS")
        if members is None:
            ratio = figs["ours root"].wall / figs["naive root"].wall
            report.target("our synth ≤ 0.3× naive (root project)", f"{ratio:.2f}×", ratio <= 0.3, naive_row, our)
    if "100" in ours:
        ratio = ours["100"].wall / ours["root"].wall
        report.target("100-account synth ≤ 2× the 3-account synth (ours)", f"{ratio:.2f}×", ratio <= 2.0)
        for k, fig in one.items():
            report.notes.append(
                f"in one process (LZ_SYNTH_JOBS=1) the {k}-account synth is "
                f"{fig.wall / ours['root'].wall:.2f}× the 3-account synth (wall), "
                f"{fig.cpu / ours['root'].cpu:.2f}× (CPU); with {processes(1000)} processes "
                f"{ours[k].wall / ours['root'].wall:.2f}× (wall), {ours[k].cpu / ours['root'].cpu:.2f}× (CPU)"
            )
    if len(chains) > 1:
        same_chain = len(set(chains.values())) == 1
        report.target("longest wave chain independent of the number of accounts", " / ".join(f"{v} ({k})" for k, v in chains.items()), same_chain)


# ---------------------------------------------------------------- stack jobs (selective synth)


def stack_job_case(project_dir: Path, out: str, stack: str) -> Callable[[], Sample]:
    """`lz synth --stack S`: the synth of one stack job of the generated workflow (`lz plan|up --stack S`
    synthesizes the same way before it runs terraform)."""
    work = project_dir / ".lz"
    run_env = base_env(LZ_CONFIG=str(project_dir / "project.yaml"), LZ_WORK_DIR=str(work), LZ_OUT_DIR=str(project_dir / out), LZ_TARGET="local")

    def case() -> Sample:
        return measure.run([*LZ, "synth", "--stack", stack], cwd=project_dir, env=run_env)

    return case


def stack_classes(config: Path) -> dict[str, list[str]]:
    """Stacks whose JSON is built alike, by a representative: every management and security
    stack is its own class; a member's layer is one class for all plain members (their stacks
    differ only in names and ids). Summing a class's measured CPU × its size estimates the
    stack jobs of a whole pipeline run without running 907 of them."""
    from landing_zone import layers, naming
    from landing_zone.config import load_project

    project, _ = load_project(config)
    classes: dict[str, list[str]] = {}
    for account, layer in layers.stacks(project):
        plain = account not in (naming.MANAGEMENT, naming.SECURITY)
        key = f"member-{layer}" if plain else naming.stack_id(account, layer)
        classes.setdefault(key, []).append(naming.stack_id(account, layer))
    return classes


def bench_jobs(report: Report, work: Path, gnupghome: Path, sizes: list[int], runs: int, job_workers: int = 1) -> None:
    """Side by side per org size: the full synth, one stack job's synth (a member's identities),
    and the synth CPU of all stack jobs of one pipeline run (every stack measured at the root
    project; per class of alike stacks beyond, see stack_classes)."""
    full: dict[str, Figure] = {}
    job: dict[str, Figure] = {}
    for members, key, config in sized_orgs(work / "jobs", gnupghome, sizes):
        pdir = config.parent
        by_class = stack_classes(config)
        classes = {alike[-1]: alike for alike in by_class.values()}  # by a representative: the last (a workload)
        stacks = sum(map(len, classes.values()))
        member = by_class["member-identities"][-1]
        label = "root project.yaml (3 accounts" if members is None else f"generated org ({members} member accounts"
        label += f", {stacks} stacks)"
        progress(f"stack jobs: {label}")
        if members is None:
            stack_job_case(pdir, "out-warm", member)()  # untimed warm-up of the jsii package cache
        figs = interleaved({f"full {key}": synth_case(pdir, "out-full"), f"job {key}": stack_job_case(pdir, "out-job", member)}, runs)
        full[key], job[key] = figs[f"full {key}"], figs[f"job {key}"]
        same = (pdir / "out-job" / "stacks" / member / "cdk.tf.json").read_bytes() == (pdir / "out-full" / "stacks" / member / "cdk.tf.json").read_bytes()
        report.row(f"full synth, {label}: `lz synth`", full[key])
        report.row(
            f"one stack job, {label}: `lz synth --stack {member}`",
            job[key],
            "JSON identical to the full synth's" if same else "JSON DIFFERS from the full synth's",
        )
        # Every stack once (root) or one per class: what all stack jobs of one pipeline run pay.
        every = members is None
        # CPU is per process (wait4), so these run a few at a time: on a loaded machine the wall
        # of a run is the other users', and the CPU column is what is summed.
        chosen = sum(classes.values(), []) if every else list(classes)
        with ThreadPoolExecutor(max_workers=job_workers) as pool:
            samples = pool.map(lambda s, d=pdir: stack_job_case(d, f"out-class-{s}", s)(), chosen)
            measured = dict(zip(chosen, samples, strict=True))
        for s, sample in measured.items():
            progress(f"  {s}: {sample.cpu:.2f} s CPU")
        if every:
            total, how = sum(x.cpu for x in measured.values()), f"each of the {stacks} stacks measured"
        else:
            total = sum(measured[rep].cpu * len(alike) for rep, alike in classes.items())
            how = f"{len(classes)} classes of alike stacks measured, × their sizes"
        before = stacks * full[key].cpu
        report.rows.append(
            Row(
                f"all {stacks} stack jobs of one pipeline run, {label}: summed synth CPU",
                None,
                f"{fmt_seconds(total)} of CPU ({how}); before, every job a full synth: {stacks} × {fmt_seconds(full[key].cpu)} = {fmt_seconds(before)}",
            )
        )
    top = str(max(sizes)) if sizes else "root"
    ratio_cpu, ratio_wall = job[top].cpu / full["root"].cpu, job[top].wall / full["root"].wall
    report.target(
        f"one stack job's synth at {top} accounts ≤ 1.2× the 3-account full synth",
        f"{ratio_cpu:.2f}× (CPU), {ratio_wall:.2f}× (wall)",
        ratio_cpu <= 1.2,
    )
    if "100" in full:
        ratio_cpu, ratio_wall = full["100"].cpu / full["root"].cpu, full["100"].wall / full["root"].wall
        report.target("100-account full synth ≤ 2× the 3-account one", f"{ratio_cpu:.2f}× (CPU), {ratio_wall:.2f}× (wall)", ratio_cpu <= 2.0)


# ---------------------------------------------------------------- access matrix


def bench_access(report: Report, work: Path, gnupghome: Path, runs: int) -> None:
    """`lz access` (who reaches what, escalation paths included) over the root project's synth,
    with PMapper's pattern cache and with ours (landing_zone/access/evaluator.py)."""
    pdir = orgs.prepare(work / "access", gnupghome, None).parent
    progress("access: synth")
    synth_case(pdir, "out")()  # raises if it fails
    env = base_env(LZ_CONFIG=str(pdir / "project.yaml"), LZ_WORK_DIR=str(pdir / ".lz"), LZ_TARGET="local")
    args = ["--stacks", str(pdir / "out"), "--format", "json"]
    outputs: dict[str, str] = {}

    def case(name: str, cmd: list[str]) -> Callable[[], Sample]:
        def run() -> Sample:
            s = measure.run(cmd, cwd=pdir, env=env)
            outputs[name] = s.output
            return s

        return run

    pmapper, ours = "lz access, root project: PMapper's pattern cache (2,048)", "lz access, root project: ours (65,536)"
    figs = interleaved(
        {pmapper: case(pmapper, [str(PY), str(ROOT / "benchmarks" / "access_variant.py"), *args]), ours: case(ours, [*LZ, "access", *args])}, runs
    )
    same = outputs[pmapper] == outputs[ours]
    report.row(pmapper, figs[pmapper])
    row = report.row(ours, figs[ours], "output identical" if same else "output DIFFERS")
    ratio = figs[ours].wall / figs[pmapper].wall
    report.target(
        "`lz access` with our pattern cache ≤ 0.5× PMapper's",
        f"{ratio:.2f}× (wall), {figs[ours].cpu / figs[pmapper].cpu:.2f}× (CPU)",
        ratio <= 0.5 and same,
        row,
    )


# ---------------------------------------------------------------- start-up


def bench_startup(report: Report, work: Path, gnupghome: Path, runs: int) -> None:
    pdir = orgs.prepare(work / "startup", gnupghome, None, account_ids=False).parent
    env = base_env(LZ_CONFIG=str(pdir / "project.yaml"), LZ_WORK_DIR=str(pdir / ".lz"))
    commands = {
        "python -c pass (interpreter only)": [str(PY), "-c", "pass"],
        "lz --help": [*LZ, "--help"],
        "lz validate": [*LZ, "validate"],
        "lz credentials configure --help": [*LZ, "credentials", "configure", "--help"],
    }
    progress("start-up")
    figs = interleaved({name: (lambda cmd=cmd: measure.run(cmd, cwd=pdir, env=env)) for name, cmd in commands.items()}, runs)
    for name, fig in figs.items():
        r = report.row(name, fig)
        if name.startswith("lz "):
            met = fig.wall < STARTUP_BUDGET
            report.target(f"`{name}` < {STARTUP_BUDGET} s", fmt_seconds(fig.wall), met, r)


# ---------------------------------------------------------------- deploy


@contextmanager
def fresh_emulator(work_dir: Path) -> Iterator[str]:
    from landing_zone.emulator import server

    info = server.start(work_dir)
    try:
        yield info.endpoint
    finally:
        server.stop(work_dir)


def deploy_env(pdir: Path) -> dict[str, str]:
    env = base_env(HOME=str(pdir / "home"), LZ_CONFIG=str(pdir / "project.yaml"), LZ_WORK_DIR=str(pdir / ".lz"), LZ_OUT_DIR=str(pdir / "cdktf.out"))
    (pdir / "home").mkdir(exist_ok=True)
    mirror = provider_mirror()
    if mirror:
        env["LZ_PROVIDER_MIRROR"] = mirror
    return env


def lz_env(env: dict[str, str], cwd: Path) -> dict[str, str]:
    """`eval "$(lz env)"`: the exports `lz env` prints, on top of `env`."""
    out = subprocess.run([*LZ, "env"], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout
    result = dict(env)
    for line in out.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        result[key] = shlex.split(value)[0] if value else ""
    return result


def stack_order(config: Path) -> list[tuple[str, str]]:
    from landing_zone import layers, naming
    from landing_zone.config import load_project

    project, _ = load_project(config)
    return [(naming.stack_id(a, layer), layer) for a, layer in layers.stacks(project)]


LZ_ONLY_LAYERS = ("tf-backend", "organizations")  # what cdktf can't deploy from empty (see the docstring)


def sequential_cdktf(work: Path, gnupghome: Path) -> tuple[Sample, dict[str, float]]:
    pdir = orgs.prepare(work, gnupghome, None, account_ids=False).parent
    env = deploy_env(pdir)
    steps: dict[str, float] = {}
    samples: list[Sample] = []
    with fresh_emulator(pdir / ".lz"):
        cdktf_env = lz_env(env, pdir)
        for stack, layer in stack_order(pdir / "project.yaml"):
            if layer in LZ_ONLY_LAYERS:
                cmd, run_env, how = [*LZ, "up", "--stack", stack], env, "lz up --stack"
            else:
                cmd = [
                    "npx",
                    "cdktf",
                    "deploy",
                    stack,
                    "--skip-provider-lock",
                    "--auto-approve",
                    "--output",
                    str(pdir / "cdktf.out"),
                    "--app",
                    f"{PY} {ROOT / 'main.py'}",
                ]
                run_env, how = cdktf_env, "npx cdktf deploy"
            cwd = ROOT if cmd[0] == "npx" else pdir
            progress(f"sequential: {how} {stack}")
            s = measure.run(cmd, cwd=cwd, env=run_env, timeout=1800)
            samples.append(s)
            steps[f"{how} {stack}"] = s.wall
            progress(f"  {s.wall:.1f} s")
    total = Sample(sum(s.wall for s in samples), max(s.tree_rss for s in samples), max(s.max_rss for s in samples), 0, cpu=sum(s.cpu for s in samples))
    return total, steps


def lz_up_runs(work: Path, gnupghome: Path) -> dict[str, Sample]:
    pdir = orgs.prepare(work, gnupghome, None, account_ids=False).parent
    env = deploy_env(pdir)
    result = {}
    with fresh_emulator(pdir / ".lz"):
        for name, args in (("full", ["up"]), ("noop", ["up"]), ("refresh", ["up", "--refresh"])):
            progress(f"lz {' '.join(args)} ({name})")
            result[name] = measure.run([*LZ, *args], cwd=pdir, env=env, timeout=3600)
            progress(f"  {result[name].wall:.1f} s")
            if name == "noop" and result[name].output.count("unchanged (skipped") == 0:
                progress("  warning: the second lz up skipped nothing")
    return result


def bench_deploy(report: Report, work: Path, gnupghome: Path, runs: int) -> None:
    seq: list[Sample] = []
    ups: dict[str, list[Sample]] = {"full": [], "noop": [], "refresh": []}
    last_steps: dict[str, float] = {}
    for i in range(runs):
        s, last_steps = sequential_cdktf(work / f"seq-{i}", gnupghome)
        seq.append(s)
        for name, sample in lz_up_runs(work / f"up-{i}", gnupghome).items():
            ups[name].append(sample)
    fseq = Figure(tuple(seq))
    ffull, fnoop, frefresh = (Figure(tuple(ups[k])) for k in ("full", "noop", "refresh"))
    cdktf_part = sum(v for k, v in last_steps.items() if k.startswith("npx"))
    n_cdktf = sum(1 for k in last_steps if k.startswith("npx"))
    r_seq = report.row(
        f"deploy: sequential per-stack, from empty ({len(last_steps)} stacks)",
        fseq,
        f"{n_cdktf} × `npx cdktf deploy` = {fmt_seconds(cdktf_part)}, {len(last_steps) - n_cdktf} × `lz up --stack` (tf-backend, organizations)",
    )
    r_full = report.row("deploy: `lz up` from empty (fresh emulator)", ffull)
    r_noop = report.row("deploy: `lz up`, nothing changed", fnoop, f"{ups['noop'][-1].output.count('unchanged (skipped')} stacks skipped")
    report.row("deploy: `lz up --refresh`, nothing changed", frefresh, "every stack planned")
    ratio = ffull.wall / fseq.wall
    report.target("full `lz up` ≤ 0.6× sequential per-stack deploys", f"{ratio:.2f}×", ratio <= 0.6, r_seq, r_full)
    ratio = fnoop.wall / ffull.wall
    report.target("no-op `lz up` ≤ 0.2× full `lz up`", f"{ratio:.2f}×", ratio <= 0.2, r_noop)
    report.notes.append("sequential steps (last run): " + ", ".join(f"{k} {v:.0f} s" for k, v in last_steps.items()))


# ---------------------------------------------------------------- terraform's garbage collector

GC_STACKS = ("management-organizations", "management-tf-backend")  # one region, two regions


def bench_gc(report: Report, work: Path, gnupghome: Path, runs: int) -> None:
    """`lz plan` of two deployed stacks with Go's default GOGC=100 and with lz's (deploy/tfenv.py)."""
    from landing_zone.deploy.tfenv import GO_RUNTIME

    pdir = orgs.prepare(work / "gc", gnupghome, None, account_ids=False).parent
    env = {k: v for k, v in deploy_env(pdir).items() if k != "GOGC"}
    selected = [a for stack in GC_STACKS for a in ("--stack", stack)]
    with fresh_emulator(pdir / ".lz"):
        progress(f"gc: lz up {' '.join(GC_STACKS)}")
        measure.run([*LZ, "up", *selected], cwd=pdir, env=env, timeout=1800)
        cases = {
            "default": lambda: measure.run([*LZ, "plan", *selected], cwd=pdir, env={**env, "GOGC": "100"}, timeout=1800),
            "lz": lambda: measure.run([*LZ, "plan", *selected], cwd=pdir, env=env, timeout=1800),
        }
        figures = interleaved(cases, runs)
    what = f"`lz plan` of {len(GC_STACKS)} deployed stacks (emulator)"
    r_default = report.row(f"terraform GC: {what}, GOGC=100 (Go's default)", figures["default"])
    r_lz = report.row(f"terraform GC: {what}, lz's GOGC={GO_RUNTIME['GOGC']}", figures["lz"], "CPU counts terraform and its providers")
    ratio = figures["lz"].cpu / figures["default"].cpu
    report.target(f"GOGC={GO_RUNTIME['GOGC']}: plan CPU ≤ 0.85× Go's default", f"{ratio:.2f}×", ratio <= 0.85, r_default, r_lz)


# ---------------------------------------------------------------- output


def render(report: Report, load_before: tuple[float, ...], load_after: tuple[float, ...], started: float) -> str:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {platform.node() or 'this machine'}: {os.cpu_count()} cores, "
        f"load average {load_before[0]:.1f} before / {load_after[0]:.1f} after; "
        f"{(time.monotonic() - started) / 60:.0f} min in all.",
        "",
        "| what | runs | median wall | min–max | CPU (user+sys) | peak RSS (tree) | target | notes |",
        "|---|---:|---:|---|---:|---:|---|---|",
    ]
    for r in report.rows:
        f = r.figure
        mark = "" if r.met is None else ("met" if r.met else "**missed**")
        if f:
            lo, hi = f.spread
            lines.append(
                f"| {r.name} | {len(f.samples)} | {fmt_seconds(f.wall)} | {fmt_seconds(lo)}–{fmt_seconds(hi)} | "
                f"{fmt_seconds(f.cpu)} | {fmt_bytes(f.rss)} | {mark} | {r.note} |"
            )
        else:
            lines.append(f"| {r.name} | | | | | | {mark} | {r.note} |")
    if report.shapes:
        lines += ["", "| deploy waves (`layers.waves`) | stacks | waves | widest wave | longest chain |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {org} | {n} | {w} | {widest} | {chain} |" for org, n, w, widest, chain in report.shapes]
    if report.targets:
        lines += ["", "| target | measured | |", "|---|---:|---|"]
        lines += [f"| {what} | {measured} | {'met' if met else '**missed**'} |" for what, measured, met in report.targets]
    if report.notes:
        lines += [""] + [f"- {n}" for n in report.notes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the deploy rows (minutes each)")
    parser.add_argument("--only", choices=("synth", "jobs", "access", "startup", "gc", "deploy"), action="append", help="only these sections")
    parser.add_argument("--synth-runs", type=int, default=3, help="processes per synth row (default 3)")
    parser.add_argument("--startup-runs", type=int, default=10, help="processes per start-up row (default 10)")
    parser.add_argument("--deploy-runs", type=int, default=1, help="runs of each deploy row (default 1)")
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",") if x],
        default=[25, 100, 300],
        help="member accounts of the generated orgs (default 25,100,300; the root project always runs)",
    )
    parser.add_argument(
        "--job-sizes",
        type=lambda s: [int(x) for x in s.split(",") if x],
        default=[100, 300],
        help="member accounts of the orgs of the stack-job rows (default 100,300; the root project always runs)",
    )
    parser.add_argument("--job-workers", type=int, default=1, help="stack jobs of the per-pipeline sum run at once (default 1; their CPU is per process)")
    parser.add_argument("--experiments", action="store_true", help="also synth with python -O")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    sections = set(args.only or ("synth", "jobs", "access", "startup", "gc", "deploy"))
    if args.quick:
        sections -= {"gc", "deploy"}
    if "deploy" in sections and not shutil.which("npx"):
        parser.error("the deploy rows need node (npx); use --quick")

    from tests.gpg_helpers import kill_agent, new_gnupghome

    started, load_before = time.monotonic(), os.getloadavg()
    report = Report()
    gnupghome = new_gnupghome()
    work = Path(tempfile.mkdtemp(prefix="lz-bench-"))
    failed = False
    try:
        for section, bench in (
            ("startup", lambda: bench_startup(report, work, gnupghome, args.startup_runs)),
            ("synth", lambda: bench_synth(report, work, gnupghome, args.sizes, args.synth_runs, args.experiments)),
            ("jobs", lambda: bench_jobs(report, work, gnupghome, args.job_sizes, args.synth_runs, args.job_workers)),
            ("access", lambda: bench_access(report, work, gnupghome, args.synth_runs)),
            ("gc", lambda: bench_gc(report, work, gnupghome, args.synth_runs)),
            ("deploy", lambda: bench_deploy(report, work, gnupghome, args.deploy_runs)),
        ):
            if section not in sections:
                continue
            try:
                bench()
            except Exception as exc:  # report what was measured; keep the work dir for the logs
                failed = True
                first = next(iter(str(exc).splitlines()), type(exc).__name__)
                report.row(f"{section}: FAILED", None, f"{first} (logs under {work})")
                progress(f"{section} failed: {exc}")
    finally:
        kill_agent(gnupghome)
        if not failed:
            shutil.rmtree(work, ignore_errors=True)
    table = render(report, load_before, os.getloadavg(), started)
    print(table)
    if args.output:
        args.output.write_text(table + "\n")
    return 0  # a missed target is a finding to write up, not a failed command


if __name__ == "__main__":
    sys.exit(main())
