"""The forge integration, run for real.

* Pipelines: the commands of each template (GitLab CI, Gitea/Forgejo Actions, GitHub Actions) are read
  from the files ``ducha init`` writes and run in order, with the variables the forge would set, in a
  clone checked out the way that forge checks out (full history, as each template asks for), against a
  ledger made with ``ducha init`` whose items came in through a merged branch.  The templates cannot rot:
  a command they name that ``ducha`` does not know fails this test.
* pre-commit: the hooks in ``.pre-commit-hooks.yaml`` run on staged items.
* CODEOWNERS: ``ducha codeowners`` means the same to GitHub/GitLab (globs, last match wins) and to
  Gitea/Forgejo (anchored regular expressions, every match counts).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from gitutil import LedgerRepo, make_item

from ducha.intake import scaffold
from ducha.cli import main

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv whose `ducha` the commands run

PIPELINES = {
    "gitlab": ".gitlab-ci.yml",
    "gitea": ".gitea/workflows/ducha.yml",
    "github": ".github/workflows/ducha.yml",
}
INSTALL = re.compile(r"^python -m pip install --quiet (\S+)$")

# -- reading the templates -------------------------------------------------------------------------


@dataclass
class Step:
    command: str
    env: dict = field(default_factory=dict)


@dataclass
class Job:
    name: str
    steps: list[Step]
    artifacts: list[str]
    checkout: dict = field(default_factory=dict)  # actions/checkout's `with:` (Actions only)


def gitlab_jobs(doc: dict) -> dict[str, Job]:
    assert doc["variables"]["GIT_DEPTH"] == "0", "GitLab clones shallow unless GIT_DEPTH is 0"
    env = {k: str(v) for k, v in doc["variables"].items()}
    before = doc["default"]["before_script"]
    jobs = {}
    for name, job in doc.items():
        if not isinstance(job, dict) or "script" not in job:
            continue
        cond = " || ".join(rule["if"] for rule in job["rules"])
        if cond == '$CI_PIPELINE_SOURCE == "merge_request_event"':
            kind = "pr"
        elif cond == "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH":
            kind = "main"
        else:
            pytest.fail(f"GitLab job {name}: unexpected rules {cond}")
        steps = [Step(c, env) for c in [*before, *job["script"]]]
        jobs[kind] = Job(name, steps, list(job.get("artifacts", {}).get("paths", [])))
    return jobs


def actions_jobs(doc: dict) -> dict[str, Job]:
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in on and on["push"]["branches"] == ["main"]
    allowed = {"actions/checkout", "actions/setup-python", "actions/upload-artifact"}  # nothing that comments
    jobs = {}
    for name, job in doc["jobs"].items():
        kind = {"github.event_name == 'pull_request'": "pr", "github.event_name != 'pull_request'": "main"}[job["if"]]
        steps, artifacts, checkout = [], [], None
        for step in job["steps"]:
            if "uses" in step:
                action = step["uses"].split("@")[0]
                assert action in allowed, f"{name}: unexpected action {step['uses']}"
                if action == "actions/checkout":
                    checkout = step.get("with", {})
                if action == "actions/upload-artifact":
                    artifacts.append(step["with"]["path"])
                continue
            env = {**doc.get("env", {}), **job.get("env", {}), **step.get("env", {})}
            steps.append(Step(step["run"], env))
        assert checkout is not None and checkout.get("fetch-depth") == 0, f"{name}: checkout must fetch the full history"
        if kind == "pr":
            assert checkout["ref"] == "${{ github.event.pull_request.head.sha }}"
        jobs[kind] = Job(name, steps, artifacts, checkout)
    return jobs


def jobs_of(forge: str, ledger: Path) -> dict[str, Job]:
    doc = yaml.safe_load((ledger / PIPELINES[forge]).read_text(encoding="utf-8"))
    jobs = gitlab_jobs(doc) if forge == "gitlab" else actions_jobs(doc)
    assert set(jobs) == {"pr", "main"}
    return jobs


def ducha_command(line: str) -> tuple[str, ...] | None:
    """The subcommand path of a `ducha ...` line; fails on an unknown command."""
    words = shlex.split(line)
    if not words or words[0] != "ducha":
        return None
    group, path = main, []
    for word in words[1:]:
        if not isinstance(group, click.Group) or word.startswith("-"):
            break
        if word not in group.commands:
            pytest.fail(f"the pipeline runs `{line}`, but ducha has no command `{' '.join([*path, word])}`")
        path.append(word)
        group = group.commands[word]
    return tuple(path)


def test_unknown_commands_fail_the_pipeline_test():
    assert ducha_command("ducha check --base origin/main") == ("check",)
    assert ducha_command("git fetch origin main") is None
    with pytest.raises(pytest.fail.Exception, match="ducha has no command `buidl`"):
        ducha_command("ducha buidl --strict")
    with pytest.raises(pytest.fail.Exception, match="ducha has no command `bulletin list`"):
        ducha_command("ducha bulletin list")


def test_templates_name_only_known_commands():
    seen = set()
    for forge in PIPELINES:
        text = scaffold.pipeline_files([forge])[PIPELINES[forge]]
        for line in re.findall(r"(?:^\s*-\s+|run:\s+)(ducha .+)$", text, flags=re.M):
            seen.add(ducha_command(line.strip()))
    # each template: check --base on pull requests; audit, bulletin verify, build on main
    known = {("check",), ("audit",), ("build",)}
    assert known <= seen
    assert seen - known == {("bulletin", "verify")}


# -- running them ----------------------------------------------------------------------------------

EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def resolve(value: str, context: dict) -> str:
    def one(m):
        if m.group(1) not in context:
            pytest.fail(f"the test does not know the forge expression {m.group(0)}")
        return context[m.group(1)]

    return EXPRESSION.sub(one, str(value))


def git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def forge_checkout(forge: str, kind: str, origin: Path, dest: Path, branch: str, job: Job, context: dict) -> None:
    """Check out ``branch`` of ``origin`` into ``dest`` the way the forge's runner does, with full history."""
    dest.mkdir()
    git(dest, "init", "-q")
    git(dest, "remote", "add", "origin", str(origin))
    sha = git(origin, "rev-parse", f"refs/heads/{branch}").strip()
    if forge == "gitlab":
        # GitLab Runner (GIT_DEPTH 0): fetches only the pipeline's own branch, checks out its commit detached
        git(dest, "fetch", "-q", "--no-tags", "origin", f"+refs/heads/{branch}:refs/remotes/origin/{branch}")
        git(dest, "checkout", "-q", "--detach", sha)
    else:
        # actions/checkout with fetch-depth: 0: every branch and tag, then the requested ref
        git(dest, "fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*")
        ref = resolve(job.checkout.get("ref", f"refs/heads/{branch}"), context)
        if ref.startswith("refs/heads/"):
            git(dest, "checkout", "-q", "-B", branch, f"refs/remotes/origin/{branch}")
        else:
            git(dest, "checkout", "-q", "--detach", ref)
    assert git(dest, "rev-parse", "HEAD").strip() == sha


def forge_variables(forge: str, kind: str, branch: str, sha: str) -> tuple[dict, dict]:
    """(environment variables, ${{ }} expression values) the forge sets for this pipeline."""
    if forge == "gitlab":
        common = {"CI": "true", "GITLAB_CI": "true", "CI_DEFAULT_BRANCH": "main", "CI_COMMIT_SHA": sha}
        if kind == "pr":
            return {
                **common,
                "CI_PIPELINE_SOURCE": "merge_request_event",
                "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": branch,
                "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
            }, {}
        return {**common, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": branch}, {}
    env = {"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_SHA": sha}
    if kind == "pr":
        env.update(GITHUB_EVENT_NAME="pull_request", GITHUB_BASE_REF="main", GITHUB_HEAD_REF=branch)
        return env, {"github.base_ref": "main", "github.event.pull_request.head.sha": sha}
    env.update(GITHUB_EVENT_NAME="push", GITHUB_REF=f"refs/heads/{branch}")
    return env, {}


@dataclass
class Ran:
    command: str
    returncode: int
    output: str


def run_job(forge: str, kind: str, origin: Path, workdir: Path, branch: str) -> tuple[list[Ran], Job, Path]:
    jobs = jobs_of(forge, origin)  # the files `ducha init` wrote, as committed
    job = jobs[kind]
    sha = git(origin, "rev-parse", f"refs/heads/{branch}").strip()
    variables, context = forge_variables(forge, kind, branch, sha)
    clone = workdir / f"{forge}-{kind}"
    forge_checkout(forge, kind, origin, clone, branch, job, context)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "CI", "GITHUB_"))}
    base.update(PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    ran = []
    for step in job.steps:
        install = INSTALL.match(step.command)
        if install:  # the runner installs ducha; here it is this checkout's, already on PATH
            assert install.group(1) == scaffold.default_pip_args()
            continue
        for line in step.command.splitlines():
            ducha_command(line)  # fails on a command ducha does not have
        env = {**base, **{k: resolve(v, context) for k, v in step.env.items()}, **variables}
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step.command],
            cwd=clone, env=env, capture_output=True, text=True,
        )  # fmt: skip
        ran.append(Ran(step.command, proc.returncode, proc.stdout + proc.stderr))
        if proc.returncode:
            break
    return ran, job, clone


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> Path:
    """The office's repository on the forge: made by `ducha init`, items registered on a branch and merged;
    then two open pull requests: ``progress`` (legal steps) and ``bad`` (assigned → closed in one step)."""
    path = tmp_path_factory.mktemp("forge") / "ledger"
    result = CliRunner().invoke(main, ["init", str(path), "--office", "江北市人民政府督查室", "--code", "江北督办"])
    assert result.exit_code == 0, result.output
    repo = LedgerRepo(path)
    repo.git("init", "-q", "-b", "main")
    repo.commit("台账初始化", "2026-11-02")

    kw = {"leader": "mayor", "approval": {"opinion": "请市发展改革委牵头办理。", "by": "mayor", "date": make_item()["assigned"]}}
    repo.checkout("feature", new=True)
    repo.write_item(make_item("DC-2026-0001", "assigned", **kw))
    repo.commit("登记 DC-2026-0001", "2026-11-16")
    repo.write_item(make_item("DC-2026-0002", "assigned", **kw))
    repo.commit("登记 DC-2026-0002", "2026-11-16")
    repo.checkout("main")
    repo.merge("feature", "2026-11-17")

    repo.checkout("progress", new=True)
    repo.write_item(make_item("DC-2026-0001", "in_progress", **kw))
    repo.commit("DC-2026-0001 进展", "2026-11-18")
    repo.write_item(make_item("DC-2026-0003", "draft", leader="mayor", title="优化营商环境专项行动"))
    repo.commit("登记 DC-2026-0003", "2026-11-18")

    repo.checkout("main")
    repo.checkout("bad", new=True)
    repo.write_item(make_item("DC-2026-0002", "closed", **kw))
    repo.commit("DC-2026-0002 办结", "2026-11-23")
    repo.checkout("main")
    return path


@pytest.mark.parametrize("forge", list(PIPELINES))
def test_pull_request_commands_pass_on_legal_changes(forge, origin, tmp_path):
    ran, job, clone = run_job(forge, "pr", origin, tmp_path, "progress")
    assert [r.returncode for r in ran] == [0] * len(ran), ran[-1].output
    check = ran[-1]
    assert check.command.startswith("ducha check --base ")
    # both touched items are checked; the log says so and nothing else is posted anywhere. The check runs
    # today (the pipeline's clock) on records dated 2026-11-18: the only warnings allowed are those that
    # depend on the real date, T108 (a record dated longer ago than the tolerance before it can land) and
    # the D6 reminders (a progress report or a deadline that has come due since)
    last = check.output.strip().splitlines()[-1]
    assert re.fullmatch(r"检查了 3 个文件：0 个错误，\d+ 个警告。", last), check.output
    warned = re.findall(r" ([A-Z]\d{3}) 警告", check.output)
    assert {w for w in warned if not w.startswith("D6")} <= {"T108"}, check.output
    # the same command on the day after the records, as the clerk's pipeline ran it then: no warning at all
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "CI", "GITHUB_"))}
    env.update(PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    then = subprocess.run(["ducha", "check", "--base", "origin/main", "--as-of", "2026-11-19"],
                          cwd=clone, env=env, capture_output=True, text=True)  # fmt: skip
    assert then.returncode == 0, then.stdout + then.stderr
    assert then.stdout.strip().splitlines()[-1] == "检查了 3 个文件：0 个错误，0 个警告。", then.stdout


@pytest.mark.parametrize("forge", list(PIPELINES))
def test_pull_request_commands_fail_on_an_illegal_transition(forge, origin, tmp_path):
    ran, job, clone = run_job(forge, "pr", origin, tmp_path, "bad")
    failed = ran[-1]
    assert failed.command.startswith("ducha check --base "), f"failed too early: {failed.command}\n{failed.output}"
    assert failed.returncode == 1
    assert all(r.returncode == 0 for r in ran[:-1])
    assert "items/2026/DC-2026-0002.yml" in failed.output
    assert "T101 错误 status：状态从“已交办”直接改为“已办结”不符合办理流程" in failed.output


@pytest.mark.parametrize("forge", list(PIPELINES))
def test_main_branch_commands_audit_and_publish_the_site(forge, origin, tmp_path):
    ran, job, clone = run_job(forge, "main", origin, tmp_path, "main")
    assert [r.returncode for r in ran] == [0] * len(ran), ran[-1].output
    names = [r.command for r in ran]
    assert "ducha audit" in names and "ducha build --strict" in names
    assert names.index("ducha audit") < names.index("ducha build --strict")
    audit = next(r for r in ran if r.command == "ducha audit").output.strip()
    # a pipeline's fresh clone has no earlier read of the branch (GitLab checks out a bare commit): the audit
    # says it could not check for rewrites
    assert "共 0 条审计发现。" in audit.splitlines() and len(audit.splitlines()) == 2
    assert "注意：未能核查历史改写：" in audit
    assert next(r for r in ran if r.command == "ducha bulletin verify --all").output.strip() == "bulletins/ 下没有通报，无需核对。"
    assert job.artifacts, "the main job publishes the site"
    for artifact in job.artifacts:
        index = clone / artifact / "index.html"
        assert index.is_file(), f"{artifact} was not produced"
        assert "江北市人民政府督查室" in index.read_text(encoding="utf-8")
    for item_id in ("DC-2026-0001", "DC-2026-0002"):  # the merged items are published
        assert (clone / job.artifacts[0] / "items" / item_id / "index.html").is_file()


def test_this_repository_carries_the_same_pipelines():
    """.gitlab-ci.yml, .gitea/workflows/ and .github/workflows/ of this repository are the templates,
    installing ducha from the checkout (`pip install -e .`) instead of the released package."""
    expected = scaffold.repo_pipeline_files()
    for rel, text in expected.items():
        assert (PROJECT / rel).read_text(encoding="utf-8") == text, (
            f"{rel} is out of date: python -c 'import ducha.intake.scaffold as s; s.write_files(\".\", s.repo_pipeline_files())'"
        )
    released = scaffold.pipeline_files()
    for rel, text in expected.items():
        diff = [(a, b) for a, b in zip(text.splitlines(), released[rel].splitlines()) if a != b]
        assert all("pip install" in a and "-e ." in a for a, _ in diff), rel
    assert set(expected) == {*PIPELINES.values(), "deploy/nginx.conf"}


# -- pre-commit --------------------------------------------------------------------------------------


def hooks() -> dict[str, dict]:
    return {h["id"]: h for h in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}


def test_pre_commit_hooks_file():
    found = hooks()
    assert set(found) == {"ducha-check", "ducha-check-transitions"}
    for hook in found.values():
        assert hook["language"] == "python"  # pre-commit pip-installs this repository: `ducha` is its console script
        assert ducha_command(hook["entry"]) == ("check",)
        files = re.compile(hook["files"])
        assert files.search("items/2026/DC-2026-0001.yml") and files.search("items/ledger.yml")
        assert not files.search("bulletins/2026-01.md") and not files.search("items/item.schema.json")
    assert found["ducha-check"].get("pass_filenames", True) is True
    assert found["ducha-check-transitions"]["pass_filenames"] is False
    assert 'ducha = "ducha.cli:main"' in (PROJECT / "pyproject.toml").read_text(encoding="utf-8")
    # the local hooks `ducha init` writes are the same commands on the same files
    local = yaml.safe_load(scaffold.ledger_files()[".pre-commit-config.yaml"])["repos"][0]
    assert local["repo"] == "local"
    for hook in local["hooks"]:
        assert hook["language"] == "system"
        assert (hook["entry"], hook["files"], hook.get("pass_filenames", True)) == (
            found[hook["id"]]["entry"], found[hook["id"]]["files"], found[hook["id"]].get("pass_filenames", True)
        )  # fmt: skip


def run_hook(repo: LedgerRepo, hook: dict) -> subprocess.CompletedProcess:
    """What pre-commit runs: the entry, plus the staged files that match (unstaged changes are stashed)."""
    staged = repo.git("diff", "--cached", "--name-only", "--diff-filter=ACMR").split()
    files = [f for f in staged if re.search(hook["files"], f)]
    args = shlex.split(hook["entry"]) + (files if hook.get("pass_filenames", True) else [])
    env = {**repo.env(), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(args, cwd=repo.path, env=env, capture_output=True, text=True)


def test_pre_commit_hooks_on_staged_items(tmp_path):
    path = tmp_path / "ledger"
    assert CliRunner().invoke(main, ["init", str(path)]).exit_code == 0
    repo = LedgerRepo(path)
    repo.git("init", "-q", "-b", "main")
    kw = {"leader": "mayor", "approval": {"opinion": "请办理。", "by": "mayor", "date": make_item()["assigned"]}}
    repo.write_item(make_item("DC-2026-0001", "assigned", **kw))
    repo.commit("登记", "2026-11-16")
    check, transitions = hooks()["ducha-check"], hooks()["ducha-check-transitions"]

    repo.write_item(make_item("DC-2026-0001", "in_progress", **kw))  # a legal step
    repo.git("add", "-A")
    assert run_hook(repo, check).returncode == 0
    assert run_hook(repo, transitions).returncode == 0

    repo.write_item(make_item("DC-2026-0001", "closed", **kw))  # skips two steps
    repo.git("add", "-A")
    assert run_hook(repo, check).returncode == 0  # the file alone is a valid closed item
    proc = run_hook(repo, transitions)
    assert proc.returncode == 1 and "T101" in proc.stdout

    repo.write_item(make_item("DC-2026-0001", "assigned", **kw, lead_unit="nosuch"))  # unknown unit
    repo.git("add", "-A")
    proc = run_hook(repo, check)
    assert proc.returncode == 1 and "items/2026/DC-2026-0001.yml" in proc.stdout and "nosuch" in proc.stdout


# -- CODEOWNERS ------------------------------------------------------------------------------------------


def github_owners(text: str, path: str) -> tuple[str, ...] | None:
    """GitHub/GitLab reading: gitignore-style patterns, `*` within one folder, a trailing / is a folder,
    a pattern without a leading or inner / matches at any depth, the last matching line wins."""
    owners = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, *who = line.split()
        assert who, line
        anchored = "/" in pattern.rstrip("/")
        body = re.escape(pattern.strip("/")).replace(r"\*", "[^/]*")
        regex = body + ("/.*" if pattern.endswith("/") else "")
        if not anchored:
            regex = "(?:.*/)?" + regex
        if re.fullmatch(regex, path):
            owners = tuple(who)
    return owners


def gitea_rules(text: str) -> list[tuple[re.Pattern, tuple[str, ...]]]:
    """Gitea/Forgejo reading (models/issues/pull.go): Gitea's tokenizer, each pattern anchored ^…$."""
    out = []
    for line in text.splitlines():
        tokens, token, escape = [], "", False
        for ch in line.strip().replace("\t", " "):
            if escape:
                token, escape = token + ch, False
            elif ch == "\\":
                escape = True
            elif ch == "#":
                break
            elif ch == " ":
                if token:
                    tokens, token = tokens + [token], ""
            else:
                token += ch
        if token:
            tokens.append(token)
        if not tokens:
            continue
        assert len(tokens) >= 2, f"Gitea: incorrect format: {line}"
        out.append((re.compile(f"^{tokens[0]}$"), tuple(tokens[1:])))  # re.error = Gitea's "incorrect regexp"
    return out


PATHS = [
    "items/2026/DC-2026-0001.yml", "items/2027/DC-2027-0100.yml", "items/ledger.yml", "items/item.schema.json",
    "items/ledger.schema.json", "bulletins/2026/通报第1期.md", "bulletins/.gitkeep", "site_src/index.md",
    "site_src/assets/ducha/ducha.css", "mkdocs.yml", ".gitignore", ".gitlab-ci.yml", ".github/workflows/ducha.yml",
    ".gitea/workflows/ducha.yml", ".forgejo/workflows/ducha.yml", ".pre-commit-config.yaml", "CODEOWNERS",
    "deploy/nginx.conf", "README.md", "scripts/ducha/cli/__init__.py",
]  # fmt: skip


def test_codeowners_of_the_sample_ledger(tmp_path):
    result = CliRunner().invoke(main, ["codeowners", "--root", str(PROJECT), "--output", "-"])
    assert result.exit_code == 0, result.output
    text = result.output
    heads = ("@zhoumin",)
    everyone = ("@zhoumin", "@zhengxy", "@wuhao", "@fengtao")
    assert "#   类别 市长信箱来信（mayor_mailbox）：@fengtao" in text
    assert "#   单位 和平区人民政府（hpq）：@wuhao" in text
    expected = {p: heads for p in PATHS}
    expected.update({p: everyone for p in PATHS if p.startswith("items/2")})
    expected.update({"README.md": None, "scripts/ducha/cli/__init__.py": None})
    rules = gitea_rules(text)
    for path in PATHS:
        gh = github_owners(text, path)
        assert gh == expected[path], path
        matched = [owners for regex, owners in rules if regex.match(path)]
        # Gitea: every matching line needs one approval; an approval that suffices on GitHub suffices here too
        assert bool(matched) == (gh is not None), path
        if gh:
            assert gh in matched and all(set(gh) <= set(m) for m in matched), (path, matched)


def test_codeowners_writes_and_checks_the_file(tmp_path):
    root = tmp_path / "ledger"
    (root / "items").mkdir(parents=True)
    rules = (PROJECT / "items" / "ledger.yml").read_text(encoding="utf-8")
    (root / "items" / "ledger.yml").write_text(rules, encoding="utf-8")
    run = lambda *a: CliRunner().invoke(main, [*a, "--root", str(root)])  # noqa: E731
    check = run("codeowners", "--check")
    assert check.exit_code == 1 and "不一致（或不存在）；请运行 ducha codeowners 并提交" in check.output
    written = run("codeowners")
    assert written.exit_code == 0 and written.output.strip() == f"已写入 {root / 'CODEOWNERS'}"
    assert run("codeowners", "--check").exit_code == 0
    (root / "items" / "ledger.yml").write_text(rules.replace('reviewers: ["@fengtao"]', "reviewers: [fengtao, wuhao]"), encoding="utf-8")
    assert run("codeowners", "--check").exit_code == 1
    assert run("codeowners").exit_code == 0
    assert "#   类别 市长信箱来信（mayor_mailbox）：@fengtao @wuhao" in (root / "CODEOWNERS").read_text(encoding="utf-8")


def test_codeowners_refuses_without_reviewers_or_with_an_email(tmp_path):
    root = tmp_path / "ledger"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    result = CliRunner().invoke(main, ["codeowners", "--root", str(root)])
    assert result.exit_code == 1
    assert "错误：台账规则中没有任何审核人：请在 items/ledger.yml 的 office.reviewers" in result.output
    assert not (root / "CODEOWNERS").exists()

    ledger = root / "items" / "ledger.yml"
    text = ledger.read_text(encoding="utf-8")
    ledger.write_text(text.replace('  # reviewers: ["@zhangsan"]', "  reviewers: [zhangsan@example.gov.cn]"), encoding="utf-8")
    result = CliRunner().invoke(main, ["codeowners", "--root", str(root)])
    assert result.exit_code == 1
    assert "office.reviewers 中的审核人“zhangsan@example.gov.cn”不是代码托管平台的用户名" in result.output
    assert "Gitea、Forgejo 不支持用邮箱指定审核人" in result.output

    # no office reviewers: the category/unit reviewers own everything
    ledger.write_text(
        text.replace("    name: 领导批示件\n", '    name: 领导批示件\n    reviewers: ["@dcs/pishi", lisi]\n'), encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["codeowners", "--root", str(root), "--output", "-"])
    assert result.exit_code == 0, result.output
    assert github_owners(result.output, "items/ledger.yml") == ("@dcs/pishi", "@lisi")
    assert "office.reviewers 未填写" in result.output
