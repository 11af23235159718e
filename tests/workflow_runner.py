"""Test support: run a GitHub Actions workflow's jobs on this machine, as a runner would.

Jobs go in `needs` order, each `if:` evaluated (GitHub's implicit `success()` included),
matrix jobs expanded and run up to `max-parallel` at once, each instance in a fresh clone of
the repository (a fresh runner: no work dir, no cdktf.out survives between jobs). `run:` steps
run with bash as GitHub runs them (`bash --noprofile --norc -eo pipefail`), with the
workflow's, job's and step's `env:` and the GITHUB_* files. Of the `uses:` steps, checkout
(the clone) and upload/download-artifact (a directory per artifact) are carried out, since
jobs hand data to each other through them; the others set up tools this machine already has
(setup-python/node/terraform), post the comment or fetch OIDC credentials, which the caller
provides as plain environment variables instead.

The expression evaluator covers what the generated workflow uses: contexts `github`,
`matrix`, `needs`; `==`, `!=`, `!`, `&&`, `||`, parentheses; `success()`, `failure()`,
`cancelled()`, `always()`; string and boolean literals. Anything else raises.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from itertools import product
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"\s*('[^']*'|&&|\|\||==|!=|!|\(|\)|[A-Za-z_][\w.-]*(?:\(\))?)")
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class Unsupported(Exception):
    pass


def evaluate(expr: str, contexts: dict[str, Any], status: dict[str, bool]) -> Any:
    """A workflow expression (without `${{ }}`) → its value."""
    expr = expr.strip()
    m = _EXPR.fullmatch(expr)
    if m:
        expr = m.group(1)
    out, pos, values = [], 0, []
    while pos < len(expr):
        t = _TOKEN.match(expr, pos)
        if not t:
            raise Unsupported(f"cannot read {expr!r} at {pos}")
        pos = t.end()
        tok = t.group(1)
        if tok == "&&":
            out.append(" and ")
        elif tok == "||":
            out.append(" or ")
        elif tok == "!":
            out.append(" not ")
        elif tok in ("==", "!=", "(", ")"):
            out.append(f" {tok} ")
        elif tok.startswith("'"):
            values.append(tok[1:-1])
            out.append(f"_v[{len(values) - 1}]")
        elif tok.endswith("()"):
            if tok[:-2] not in status:
                raise Unsupported(f"function {tok} in {expr!r}")
            values.append(status[tok[:-2]])
            out.append(f"_v[{len(values) - 1}]")
        elif tok in ("true", "false"):
            out.append(str(tok == "true"))
        else:
            values.append(_lookup(tok, contexts))
            out.append(f"_v[{len(values) - 1}]")
    return eval("".join(out), {"__builtins__": {}}, {"_v": values})  # only the tokens above reach it: values stay in _v


def _lookup(path: str, contexts: dict[str, Any]) -> Any:
    """A property; a missing one is null, as in GitHub's expressions (`github.event.pull_request` on a push)."""
    head, *rest = path.split(".")
    if head not in contexts:
        raise Unsupported(f"unknown context {path!r}")
    value: Any = contexts[head]
    for part in rest:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def substitute(text: str, contexts: dict[str, Any]) -> str:
    return _EXPR.sub(lambda m: _text(evaluate(m.group(1), contexts, {})), text)


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


@dataclass
class JobRun:
    job: str
    matrix: dict[str, Any]
    dir: Path
    ok: bool = True
    steps: list[tuple[str, str]] = field(default_factory=list)  # (step, "ok" | "failed" | "skipped" | "emulated")
    log: str = ""


@dataclass
class WorkflowRun:
    workflow: dict[str, Any]
    repo: Path  # the repository (git) each job clones
    base: Path  # where this run's job directories and artifacts go
    github: dict[str, Any]  # the github context: event_name, repository, event, run_id, sha
    env: dict[str, str]  # the runner's environment (PATH, HOME, credentials standing in for OIDC)
    env_overrides: dict[str, str] = field(default_factory=dict)  # over the workflow's env (LZ_TARGET=local)
    skip_steps: tuple[str, ...] = ()  # run: steps by name that set up what the machine has
    results: dict[str, str] = field(default_factory=dict)  # job → success | failure | skipped
    runs: dict[str, list[JobRun]] = field(default_factory=dict)

    @property
    def artifacts(self) -> Path:
        return self.base / "artifacts"

    def run(self) -> dict[str, str]:
        jobs: dict[str, Any] = self.workflow["jobs"]
        order = TopologicalSorter({name: _needs(job) for name, job in jobs.items()})
        for name in order.static_order():
            self.results[name] = self._job(name, jobs[name])
        return self.results

    def _job(self, name: str, job: dict[str, Any]) -> str:
        needs = _needs(job)
        ok = all(self.results[n] == "success" for n in needs)
        contexts = {"github": self.github, "needs": {n: {"result": self.results[n]} for n in needs}}
        if not self._condition(job.get("if"), contexts, ok):
            return "skipped"
        strategy = job.get("strategy", {})
        matrix = strategy.get("matrix", {})
        combos = [dict(zip(matrix, values, strict=True)) for values in product(*matrix.values())] if matrix else [{}]
        with ThreadPoolExecutor(max_workers=int(strategy.get("max-parallel", len(combos)))) as pool:
            runs = list(pool.map(lambda combo: self._instance(name, job, combo, contexts), combos))
        self.runs[name] = runs
        return "success" if all(r.ok for r in runs) else "failure"

    def _condition(self, condition: Any, contexts: dict[str, Any], ok: bool) -> bool:
        if condition is None:
            return ok
        text = str(condition)
        status = {"success": ok, "failure": not ok, "cancelled": False, "always": True}
        implicit = not re.search(r"\b(success|failure|cancelled|always)\(\)", text)
        return bool(evaluate(text, contexts, status)) and (ok or not implicit)

    def _instance(self, name: str, job: dict[str, Any], combo: dict[str, Any], contexts: dict[str, Any]) -> JobRun:
        suffix = "-".join(str(v) for v in combo.values())
        run = JobRun(name, combo, self.base / "jobs" / (f"{name}-{suffix}" if suffix else name))
        run.dir.parent.mkdir(parents=True, exist_ok=True)
        ctx = {**contexts, "matrix": combo}
        summary, path_file = run.dir.with_suffix(".summary"), run.dir.with_suffix(".path")
        summary.touch()
        path_file.touch()
        env = {**self.env, **{k: substitute(str(v), ctx) for k, v in self.workflow.get("env", {}).items()}}
        env.update({k: substitute(str(v), ctx) for k, v in job.get("env", {}).items()})
        env.update(
            self.env_overrides,
            GITHUB_STEP_SUMMARY=str(summary),
            GITHUB_PATH=str(path_file),
            GITHUB_OUTPUT=str(run.dir.with_suffix(".output")),
            CI="true",
            GITHUB_ACTIONS="true",
        )
        for i, step in enumerate(job["steps"]):
            label = step.get("name") or step.get("uses") or f"step {i}"
            if not self._condition(step.get("if"), ctx, run.ok):
                run.steps.append((label, "skipped"))
                continue
            try:
                outcome = self._step(step, run, env, ctx)
            except Exception as exc:  # a step that cannot be carried out fails its job, as on a runner
                run.log += f"\n== {label}: {type(exc).__name__}: {exc}\n"
                outcome = "failed"
            run.steps.append((label, outcome))
            run.ok = run.ok and outcome != "failed"
        return run

    def _step(self, step: dict[str, Any], run: JobRun, env: dict[str, str], ctx: dict[str, Any]) -> str:
        with_ = {k: substitute(str(v), ctx) for k, v in step.get("with", {}).items()}
        uses = str(step.get("uses", ""))
        if uses.startswith("actions/checkout@"):
            subprocess.run(["git", "clone", "-q", str(self.repo), str(run.dir)], check=True, capture_output=True)
            return "emulated"
        if uses.startswith("actions/upload-artifact@"):
            return self._upload(run.dir, with_)
        if uses.startswith("actions/download-artifact@"):
            return self._download(run.dir, with_)
        if uses:
            return "skipped"
        if step.get("name") in self.skip_steps:
            return "skipped"
        step_env = {**env, **{k: substitute(str(v), ctx) for k, v in step.get("env", {}).items()}}
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=run.dir,
            env=step_env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=1800,
        )
        run.log += f"\n== {step.get('name')} (exit {proc.returncode})\n{proc.stdout}\n{proc.stderr}"
        return "ok" if proc.returncode == 0 else "failed"

    def _upload(self, workdir: Path, with_: dict[str, str]) -> str:
        """upload-artifact: one path keeps the directory's contents; several keep their paths below
        the repository root (their common ancestor here)."""
        paths = [p.strip() for p in with_["path"].splitlines() if p.strip()]
        dest = self.artifacts / with_["name"]
        if dest.exists() and with_.get("overwrite") != "True":
            raise FileExistsError(f"artifact {with_['name']} exists")
        shutil.rmtree(dest, ignore_errors=True)
        found = [workdir / p for p in paths if (workdir / p).exists()]
        if not found:
            if with_.get("if-no-files-found", "warn") == "error":
                raise FileNotFoundError(f"artifact {with_['name']}: no files at {paths}")
            return "ok"
        if len(paths) == 1 and found[0].is_dir():
            shutil.copytree(found[0], dest)
        else:
            for src in found:
                target = dest / src.relative_to(workdir)
                target.parent.mkdir(parents=True, exist_ok=True)
                (shutil.copytree if src.is_dir() else shutil.copy2)(src, target)
        return "emulated"

    def _download(self, workdir: Path, with_: dict[str, str]) -> str:
        dest = workdir / with_.get("path", ".")
        if "name" in with_:
            sources = [self.artifacts / with_["name"]]
            if not sources[0].is_dir():
                raise FileNotFoundError(f"artifact {with_['name']} not found")
        else:
            pattern = with_["pattern"]
            sources = sorted(self.artifacts.glob(pattern))
        for src in sources:
            target = dest if "name" in with_ or with_.get("merge-multiple") == "True" else dest / src.name
            shutil.copytree(src, target, dirs_exist_ok=True)
        return "emulated"

    def job_runs(self, prefix: str) -> list[JobRun]:
        return [r for name, runs in self.runs.items() if name.startswith(prefix) for r in runs]

    def failures(self) -> str:
        return "\n".join(f"--- {r.job} {r.matrix}: {r.steps}\n{r.log[-4000:]}" for runs in self.runs.values() for r in runs if not r.ok)


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)
