"""Every command of the README's usage block and of the tutorial runs as written.

Each command runs from a scratch copy of the repository's ``examples/`` (with ``../shared``
linked beside it, as in a checkout), so that outputs never land in the repository; a command
that exits with a non-zero code fails the test. ``detente serve`` (which never returns) is
left out; commands that read ``../shared`` are skipped when that folder is absent.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from detente.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def bash_commands(path: Path, heading: str | None = None) -> list[str]:
    """The ``detente ...`` lines of the fenced bash blocks of ``path`` (under ``heading``,
    up to the next heading of the same level, when given)."""
    text = path.read_text(encoding="utf-8")
    if heading is not None:
        start = text.index(heading)
        level = heading.split(" ")[0]
        nxt = re.search(rf"^{level} ", text[start + len(heading) :], flags=re.MULTILINE)
        text = text[start : start + len(heading) + (nxt.start() if nxt else len(text))]
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL):
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("detente "):
                out.append(line)
    return out


def _argv(line: str) -> list[str]:
    return shlex.split(line, comments=True)[1:]


def _checkout(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("checkout")
    repo = base / "repo"
    repo.mkdir()
    shutil.copytree(ROOT / "examples", repo / "examples")
    if SHARED.is_dir():
        os.symlink(SHARED, base / "shared")
    return repo


@pytest.fixture(scope="module")
def readme_dir(tmp_path_factory):
    return _checkout(tmp_path_factory)


@pytest.fixture(scope="module")
def tutorial_dir(tmp_path_factory):
    return _checkout(tmp_path_factory)


def _run(line: str, workdir: Path, monkeypatch, capsys) -> None:
    argv = _argv(line)
    if argv[0] == "serve":
        pytest.skip("detente serve runs until stopped")
    if any("../shared" in a for a in argv) and not SHARED.is_dir():
        pytest.skip("needs ../shared")
    monkeypatch.chdir(workdir)
    with pytest.raises(SystemExit) as info:
        main(argv)
    captured = capsys.readouterr()
    assert (info.value.code or 0) == 0, f"{line}\n{captured.err}"
    assert "Traceback" not in captured.err


README_COMMANDS = bash_commands(ROOT / "README.md", "## Using it")
TUTORIAL_COMMANDS = bash_commands(ROOT / "docs" / "tutorial.md")


def test_the_readme_has_a_usage_block_with_the_examples():
    assert len(README_COMMANDS) >= 15
    used = " ".join(README_COMMANDS)
    for name in ("troika.yaml", "troika.csv", "turkey-softens.yaml", "article.txt"):
        assert f"examples/{name}" in used
        assert (ROOT / "examples" / name).is_file()
    # every command of the command line appears in the usage block
    from detente.cli import LAZY_COMMANDS, app

    commands = {c.name or c.callback.__name__ for c in app.registered_commands}
    commands = {c.replace("_", "-") for c in commands} | set(LAZY_COMMANDS)
    shown = {_argv(line)[0] for line in README_COMMANDS}
    assert commands <= shown, commands - shown


# The README's commands run in order: later ones use what earlier ones wrote (a sweep's folder).
@pytest.mark.parametrize("line", README_COMMANDS)
def test_readme_command_runs(line, readme_dir, monkeypatch, capsys):
    _run(line, readme_dir, monkeypatch, capsys)


@pytest.mark.parametrize("line", TUTORIAL_COMMANDS)
def test_tutorial_command_runs(line, tutorial_dir, monkeypatch, capsys):
    _run(line, tutorial_dir, monkeypatch, capsys)


def test_web_docs_what_if_lines_apply_to_the_default_scenario():
    pytest.importorskip("fastapi")
    import detente
    from detente.web.whatif import apply

    text = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
    lines = re.search(r"type changes, one a line \((.*?)\), or", text, flags=re.DOTALL)
    assert lines
    changes = [c.strip().strip("`") for c in lines.group(1).replace("\n", " ").split("`,")]
    s = apply(detente.load(), "\n".join(changes))
    assert s.stance("turkey", "kurdish_autonomy").position.value == 30


def _doc_command_lines() -> list[tuple[str, str]]:
    """``(file, line)`` for every concrete ``detente`` command in docs/*.md code (synopsis
    lines, with ``[...]`` or upper-case placeholders, are left out)."""
    out = []
    for path in sorted((ROOT / "docs").glob("*.md")):
        text = path.read_text(encoding="utf-8").replace("\\\n", " ")
        blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL)
        blocks += re.findall(r"(?:^    .*\n)+", text, flags=re.MULTILINE)
        for block in blocks:
            if "detente: error" in block:
                continue  # examples of refused input
            for line in block.splitlines():
                line = line.strip().lstrip("$ ").strip()
                if not line.startswith("detente ") or "[" in line:
                    continue
                if re.search(r"\b[A-Z]{4,}\b", line.split("#")[0]):
                    continue  # a placeholder such as ARTICLE or DATASET
                out.append((path.name, line))
    return out


@pytest.fixture(scope="module")
def whole_group():
    from typer.main import get_group

    from detente.cli import _add_area_commands, app

    _add_area_commands()
    return get_group(app)


@pytest.mark.parametrize("where, line", _doc_command_lines())
def test_docs_commands_parse(where, line, whole_group):
    """Every command shown in docs/ names a command and options that exist, with values the
    options accept (the command is parsed, not run)."""
    argv = _argv(line)
    ctx = whole_group.make_context("detente", list(argv), resilient_parsing=True)
    cmd = whole_group.get_command(ctx, argv[0])
    assert cmd is not None, f"{where}: no command {argv[0]!r}"
    cmd.make_context(argv[0], list(argv[1:]), parent=ctx)
