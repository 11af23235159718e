"""The stack scheduler (deploy/graph.py, orchestrate.plan_tasks) with fake work functions:
a failing stack skips its dependants and the others finish; --with-deps; down's reversed order."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

import pytest

from landing_zone.config import Project, load_project
from landing_zone.deploy.errors import DeployError
from landing_zone.deploy.graph import DONE, FAILED, SKIPPED, Task, run_graph
from landing_zone.deploy.orchestrate import Selection, plan_tasks
from tests.conftest import ROOT

# name → deps: a small diamond plus an independent chain
GRAPH = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"], "x": [], "y": ["x"]}


def _tasks(graph: dict[str, list[str]] = GRAPH) -> list[Task]:
    return [Task(name, "acct", "layer", list(deps)) for name, deps in graph.items()]


@pytest.mark.parametrize(
    "failing, expected",
    [
        ((), dict.fromkeys(GRAPH, DONE)),
        (("a",), {"a": FAILED, "b": SKIPPED, "c": SKIPPED, "d": SKIPPED, "x": DONE, "y": DONE}),
        (("b",), {"a": DONE, "b": FAILED, "c": DONE, "d": SKIPPED, "x": DONE, "y": DONE}),
        (("c", "x"), {"a": DONE, "b": DONE, "c": FAILED, "d": SKIPPED, "x": FAILED, "y": SKIPPED}),
        (("d", "y"), {"a": DONE, "b": DONE, "c": DONE, "d": FAILED, "x": DONE, "y": FAILED}),
    ],
)
@pytest.mark.parametrize("parallel", [1, 3])
def test_a_failure_skips_its_dependants_and_the_others_finish(failing: tuple[str, ...], expected: dict[str, str], parallel: int) -> None:
    ran: list[str] = []
    lock = threading.Lock()

    def work(task: Task) -> str:
        with lock:
            done = set(ran)
            ran.append(task.name)
        assert set(GRAPH[task.name]) <= done, f"{task.name} started before its dependencies"
        if task.name in failing:
            raise DeployError(f"{task.name} broke")
        return "ok"

    tasks = run_graph(_tasks(), work, parallel=parallel)
    assert {t.name: t.status for t in tasks} == expected
    assert sorted(ran) == sorted(n for n, s in expected.items() if s != SKIPPED), "skipped stacks never run"
    for t in tasks:
        if t.status == FAILED:
            assert t.detail == f"{t.name} broke" and isinstance(t.error, DeployError)
        if t.status == SKIPPED:
            assert t.detail == "a dependency failed"


def test_never_more_than_parallel_at_once() -> None:
    graph: dict[str, list[str]] = {f"s{i}": [] for i in range(8)}
    running, peak = [0], [0]
    lock = threading.Lock()
    gate = threading.Barrier(2, timeout=30)

    def work(task: Task) -> str:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            gate.wait()  # two at a time must be possible
        except threading.BrokenBarrierError:
            pass
        with lock:
            running[0] -= 1
        return "ok"

    tasks = run_graph(_tasks(graph), work, parallel=2)
    assert all(t.status == DONE for t in tasks) and peak[0] == 2


def test_after_runs_before_dependants_start() -> None:
    order: list[str] = []

    def work(t: Task) -> str:
        order.append(t.name)
        return "ok"

    run_graph(_tasks(), work, parallel=3, after=lambda t: order.append(f"after {t.name}"))
    assert order.index("after a") < order.index("b") and order.index("after a") < order.index("c")


def test_a_cycle_is_reported() -> None:
    with pytest.raises(RuntimeError, match="cycle"):
        run_graph(_tasks({"p": ["q"], "q": ["p"]}), lambda t: "ok", parallel=2)


def test_an_interrupt_calls_abort_before_waiting_for_running_tasks() -> None:
    release = threading.Event()
    aborted: list[bool] = []

    def work(task: Task) -> str:
        if task.name == "x":
            raise KeyboardInterrupt  # stands in for Ctrl-C reaching the coordinating thread
        release.wait(30)
        return "ok"

    def abort() -> None:
        aborted.append(True)
        release.set()

    with pytest.raises(KeyboardInterrupt):
        run_graph(_tasks({"x": [], "slow": []}), work, parallel=2, abort=abort)
    assert aborted == [True]


@cache
def _project(tmp: str) -> Project:
    from tests.synth_helpers import prepare_project

    return load_project(prepare_project(ROOT / "project.yaml", Path(tmp)))[0]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return _project(str(tmp_path_factory.mktemp("sched")))


def _names(tasks: list[Task]) -> list[str]:
    return [t.name for t in tasks]


def test_every_stack_depends_on_what_layers_say(project: Project) -> None:
    tasks = {t.name: t for t in plan_tasks(project, Selection())}
    assert tasks["management-organizations"].deps == ["management-tf-backend"]
    assert tasks["security-tf-backend"].deps == ["management-organizations"]
    assert set(tasks["management-sso"].deps) == {"management-organizations"}
    positions = {name: i for i, name in enumerate(tasks)}
    for t in tasks.values():
        assert all(positions[d] < positions[t.name] for d in t.deps), t.name


@pytest.mark.parametrize(
    "stacks, with_deps, expected",
    [
        (("security-identities",), False, ["security-identities"]),
        (("security-identities",), True, ["management-tf-backend", "management-organizations", "security-tf-backend", "security-identities"]),
        (("management-organizations",), True, ["management-tf-backend", "management-organizations"]),
        (("management-tf-backend", "security-base-nope"), False, None),
    ],
)
def test_selection_with_and_without_deps(project: Project, stacks: tuple[str, ...], with_deps: bool, expected: list[str] | None) -> None:
    if expected is None:
        with pytest.raises(DeployError, match="unknown stack 'security-base-nope'"):
            plan_tasks(project, Selection(stacks, with_deps))
        return
    tasks = plan_tasks(project, Selection(stacks, with_deps))
    assert _names(tasks) == expected
    assert all(set(t.deps) <= set(expected) for t in tasks), "deps only among the selected stacks"


def test_down_runs_the_reverse_order_with_reversed_dependencies(project: Project) -> None:
    up = plan_tasks(project, Selection())
    down = plan_tasks(project, Selection(), reverse=True)
    assert _names(down) == _names(up)[::-1]
    up_deps = {t.name: set(t.deps) for t in up}
    for t in down:  # in down a stack waits for every stack that depended on it in up
        assert set(t.deps) == {o for o, deps in up_deps.items() if t.name in deps}
    by_name = {t.name: t for t in down}
    assert "management-organizations" in by_name["management-tf-backend"].deps
    assert by_name["management-sso"].deps == []


def test_down_schedule_destroys_dependants_first_and_skips_on_failure(project: Project) -> None:
    order: list[str] = []
    lock = threading.Lock()

    def work(task: Task) -> str:
        with lock:
            order.append(task.name)
        if task.name == "management-sso":
            raise DeployError("sso broke")
        return "destroyed"

    tasks = {t.name: t for t in run_graph(plan_tasks(project, Selection(), reverse=True), work, parallel=3)}
    assert tasks["management-sso"].status == FAILED
    # organizations waits for sso in down: skipped, and with it the management backend
    assert tasks["management-organizations"].status == SKIPPED
    assert tasks["management-tf-backend"].status == SKIPPED
    assert tasks["security-identities"].status == DONE
    assert order.index("security-identities") < order.index("security-tf-backend")


def test_waves_hold_every_stack_once_after_all_its_dependencies(project: Project) -> None:
    from landing_zone import layers

    found = layers.waves(project)
    wave_of = {s: i for i, wave in enumerate(found) for s in wave}
    assert sum(map(len, found)) == len(wave_of) == len(layers.stacks(project))
    for stack, deps in layers.dependencies(project).items():
        assert all(wave_of[d] < wave_of[stack] for d in deps), stack
        # as early as possible: a stack is one wave after its latest dependency
        assert wave_of[stack] == max((wave_of[d] + 1 for d in deps), default=0), stack


def test_stack_ids_name_the_stacks_in_order_and_filter_by_account_and_layer(project: Project) -> None:
    from landing_zone import layers, naming

    every = layers.stacks(project)
    assert layers.stack_ids(project) == [naming.stack_id(a, layer) for a, layer in every]
    assert layers.stack_ids(project, account="security") == [naming.stack_id(a, layer) for a, layer in every if a == "security"]
    assert layers.stack_ids(project, layer="identities") == [naming.stack_id(a, layer) for a, layer in every if layer == "identities"]
    assert layers.stack_ids(project, account="shared", layer="identities") == ["shared-identities"]


def test_layer_limits_wanted_and_cross_account_dependencies(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    from landing_zone import layers

    extra = (
        layers.Layer("probe", "tests:Probe", only=("management", "security"), after=("tf-backend",), after_stacks=(("security", "probe"),)),
        layers.Layer("off", "tests:Off", management_only=True, wanted=lambda p: False),
    )
    monkeypatch.setattr(layers, "LAYERS", layers.LAYERS + extra)
    deps = layers.dependencies(project)
    probes = {s for s in deps if s[1] == "probe"}
    assert probes == {("management", "probe"), ("security", "probe")}
    assert deps[("management", "probe")] == [("management", "tf-backend"), ("security", "probe")]
    # a member's own stack never depends on itself through after_stacks
    assert deps[("security", "probe")] == [("security", "tf-backend")]
    assert not any(s[1] == "off" for s in deps)


@pytest.mark.parametrize("refresh", [False, True])
def test_run_stacks_passes_refresh_and_new_account_ids_without_changing_the_callers_context(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refresh: bool
) -> None:
    """The refresh flag reaches the worker threads as a parameter; the member ids organizations
    reports go to the stacks that start after it (a new context), never into the caller's."""
    from landing_zone import layers
    from landing_zone.deploy import orchestrate
    from landing_zone.deploy.context import DeployContext
    from landing_zone.settings import Settings

    seen: dict[str, tuple[bool, dict[str, str]]] = {}
    lock = threading.Lock()

    def deploy(ctx: DeployContext, task: Task, refresh: bool = False) -> str:
        with lock:
            seen[task.name] = (refresh, dict(ctx.account_ids))
        return "no changes"

    ids = {"management": "111111111111", "security": "222222222222"}

    def new_ids(ctx: DeployContext, task: Task) -> dict[str, str] | None:
        return ids if layers.layer(task.layer).outputs_account_ids else None

    monkeypatch.setattr(orchestrate, "_deploy", deploy)
    monkeypatch.setattr(orchestrate, "_new_account_ids", new_ids)
    resynths: list[dict[str, str]] = []
    settings = Settings(
        config_path=tmp_path / "project.yaml", target="local", work_dir=tmp_path / ".lz", out_dir=tmp_path / "out", endpoint="http://127.0.0.1:1"
    )
    ctx = DeployContext(project, settings)
    tasks = orchestrate.run_stacks(ctx, "up", Selection(), parallel=3, refresh=refresh, resynth=resynths.append)
    assert {t.status for t in tasks} == {DONE}
    assert {r for r, _ in seen.values()} == {refresh}
    assert resynths == [ids] and ctx.account_ids == {}
    org = next(t.name for t in tasks if layers.layer(t.layer).outputs_account_ids)
    deps = {t.name: t.deps for t in tasks}
    after_org = [name for name in seen if org in deps[name]]
    assert after_org and all(seen[name][1] == ids for name in after_org)
    assert seen[org][1] != ids
