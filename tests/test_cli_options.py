"""The shared command-line options: one definition, one check, one-line errors with exit 2."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import detente
from detente import cli_options
from detente.cli import LAZY_COMMANDS, app, main


def run(capsys, *args):
    with pytest.raises(SystemExit) as info:
        main(list(args))
    captured = capsys.readouterr()
    return info.value.code or 0, captured.out, captured.err


@pytest.mark.parametrize(
    "args, needle",
    [
        (["sweep", "--within", "nan", "--out", "s"], "--within must be a finite number"),
        (["sweep", "--within", "inf", "--out", "s"], "--within must be a finite number"),
        (["sweep", "--within", "-1", "--out", "s"], "--within must be at least 0"),
        (["sweep", "--sobol", "-1", "--out", "s"], "--sobol must be at least 0"),
        (["sensitivity", "--sobol", "-1"], "--sobol must be at least 0"),
        (["sweep", "--runs", "0", "--out", "s"], "--runs must be at least 1"),
        (["sweep", "--runs", "2.5", "--out", "s"], "--runs must be a whole number"),
        (["sweep", "--seed", "abc", "--out", "s"], "--seed must be a non-negative whole number"),
        (["forecast", "--seed", "-1"], "--seed must be"),
        (["serve", "--port", "99999"], "--port must be between 1 and 65535"),
        (["serve", "--port", "80000"], "--port must be between 1 and 65535"),
        (["serve", "--port", "http"], "--port must be a port number"),
        (["report", "--out", "x.docx"], "must end in .html or .pdf, not .docx"),
        (["report", "--out", "x.html", "-f", "pdf"], "must end in .pdf"),
        (["forecast", "-m", "nahs"], "did you mean 'nash'?"),
        (["forecast", "-f", "xml"], "--format must be one of table, csv, json"),
        (["forecast", "--input-format", "docx"], "--input-format must be one of"),
        (["forecast", "-m", "nash", "-p", "nash.utilty=linear"], "did you mean 'utility'?"),
        (["forecast", "-p", "utility=linear"], "name the models (-m)"),
        (["forecast", "-m", "nash", "-m", "compromise", "-p", "utility=linear"], "MODEL.utility"),
        (["alliances", "--tol", "2"], "--tol must be between 0 and 1"),
        (["pivotal", "--step", "nan"], "--step must be a finite number"),
        (["sensitivity", "--top", "0"], "--top must be at least 1"),
        (["sweep", "--distribution", "normal", "--out", "s"], "--distribution must be one of"),
        (["simulate", "-m", "compromise"], "static"),
        (["forecast", "--bogus"], "No such option: --bogus"),
        (["forcast"], "No such command 'forcast'"),
        (["models", "nahs"], "did you mean 'nash'?"),
    ],
)
def test_bad_option_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch, args, needle):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *args)
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("detente: error: "), err
    assert needle in lines[0], err
    assert "Usage:" not in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_pydantic_wording_never_reaches_the_user(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "actors:\n  - {id: a, capability: high}\n  - {id: b, capability: 2, kind: blob}\n"
        "issues: [{id: x}]\nstances:\n"
        "  - {actor: a, issue: x, position: 10, salience: 50}\n"
        "  - {actor: b, issue: x, position: ten, salience: 50}\n"
    )
    code, _, err = run(capsys, "forecast", str(bad))
    assert code == 2
    assert f"{bad}:2" in err and "'capability'" in err and "must be a number" in err
    code, _, err = run(capsys, "validate-scenario", str(bad))
    assert code == 2
    for phrase in ("Input should", "valid dictionary", "instance of", "Extra inputs"):
        assert phrase not in err
    assert "must be one of 'state'" in err and "must be a number" in err
    code, _, err = run(capsys, "forecast", "-m", "nash", "-p", "utility=cubic")
    assert code == 2 and "must be one of 'quadratic' or 'linear'" in err
    assert "Input should" not in err


def test_model_names_are_case_insensitive(capsys):
    code, lower, _ = run(capsys, "forecast", "-m", "nash", "-f", "csv")
    assert code == 0
    code, upper, _ = run(capsys, "forecast", "-m", "NASH", "-f", "CSV")
    assert code == 0 and upper == lower
    code, out, _ = run(capsys, "forecast", "-m", "Nash", "-p", "NASH.utility=linear", "-f", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    api = detente.model_forecasts(detente.load(), ["nash"], params={"nash": {"utility": "linear"}})
    assert list(df["forecast"].round(9)) == list(api["forecast"].round(9))


def test_one_model_prints_only_that_model(capsys):
    code, out, _ = run(capsys, "forecast", "-m", "nash")
    assert code == 0
    assert "Nash" in out and "Compromise" not in out and "Mean voter" not in out
    code, out, _ = run(capsys, "forecast", "-m", "nash", "--baselines")
    assert code == 0 and "Compromise" in out
    code, out, _ = run(capsys, "forecast", "-m", "nash", "-f", "json")
    assert '"compromise"' not in out


def test_bare_param_goes_to_the_one_model_chosen(capsys):
    # the README's form, and simulate's: NAME=VALUE for the one model chosen
    code, out, err = run(capsys, "forecast", "-m", "nash", "-p", "utility=linear", "-f", "csv")
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out))
    api = detente.model_forecasts(detente.load(), ["nash"], params={"nash": {"utility": "linear"}})
    assert list(df["forecast"].round(9)) == list(api["forecast"].round(9))


def test_forecasts_are_rounded_to_the_inputs_precision(capsys):
    # the embedded scenario's positions are whole numbers: so are the forecasts shown
    code, out, _ = run(capsys, "forecast", "-m", "compromise")
    assert code == 0
    s = detente.load()
    values = detente.model_forecasts(s, ["compromise"])["forecast"]
    for v in values:
        assert f"{v:.0f}" in out
        assert f"{v:.2f}" not in out
    assert cli_options.decimals([64.52, 10]) == 2 and cli_options.decimals([10.0, 3]) == 0


def test_models_name_lists_parameters_with_defaults_and_meanings(capsys):
    code, out, _ = run(capsys, "models", "nash")
    assert code == 0
    for text in ("utility", "quadratic", "disagreement", "status_quo", "the width of the issue"):
        assert text in out
    code, out, _ = run(capsys, "models", "SMP", "-f", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    spec = detente.get_model("smp")
    assert list(df["parameter"]) == list(spec.params.model_fields)
    assert str(df.set_index("parameter").loc["rounds", "default"]) == "100"
    assert df["meaning"].notna().all()


def test_every_model_documents_every_parameter():
    from detente.api import parameters_table

    for name in detente.available_models():
        df = parameters_table(name)
        assert (df["meaning"].str.len() > 0).all(), (name, df[df["meaning"] == ""])
        assert "``" not in " ".join(df["meaning"])


def _all_commands():
    from typer.main import get_group

    from detente.cli import _add_area_commands

    _add_area_commands()
    group = get_group(app)
    return {name: group.get_command(None, name) for name in group.list_commands(None)}


def test_shared_options_have_one_definition():
    """An option that several commands take has the same help (the same definition) in each."""
    seen: dict[str, set[str]] = {}
    for cmd in _all_commands().values():
        for p in cmd.params:
            for opt in p.opts:
                if opt in ("--seed", "--input-format", "--param", "--quiet", "--what-if", "--full"):
                    seen.setdefault(opt, set()).add(p.help or "")
    assert {"--seed", "--input-format", "--param", "--quiet", "--what-if"} <= set(seen)
    for opt, helps in seen.items():
        assert len(helps) == 1, (opt, helps)


def test_commands_printing_results_take_format_and_quiet():
    cmds = _all_commands()
    for name in (
        "forecast",
        "simulate",
        "alliances",
        "pivotal",
        "sweep",
        "sensitivity",
        "validate",
        "models",
        "scenarios",
        "show",
        "extract",
        "extract-eval",
    ):
        opts = {o for p in cmds[name].params for o in p.opts}
        assert {"--format", "-f"} <= opts, name
    for name in ("forecast", "simulate", "alliances", "pivotal", "sweep", "sensitivity"):
        opts = {o for p in cmds[name].params for o in p.opts}
        assert {"--quiet", "-q"} <= opts, name


def test_lazy_command_help_lines_match_the_commands():
    cmds = _all_commands()
    for name, (_module, line) in LAZY_COMMANDS.items():
        doc = " ".join((cmds[name].help or "").split())
        assert doc.startswith(line), (name, line, doc)


def test_constants_match_the_library():
    from detente.analysis.alliances import WEIGHTINGS
    from detente.analysis.commands import WEIGHTINGS as CLI_WEIGHTINGS
    from detente.run.commands import DISTRIBUTIONS, EXECUTORS
    from detente.run.draws import DISTRIBUTIONS as LIB_DISTRIBUTIONS
    from detente.run.executors import EXECUTORS as LIB_EXECUTORS
    from detente.scenario import DEFAULT_SCENARIO, FORMATS, WRITABLE

    assert cli_options.DEFAULT_SCENARIO == DEFAULT_SCENARIO
    assert cli_options.SCENARIO_FORMATS == tuple(FORMATS)
    from detente.cli import WRITABLE as CLI_WRITABLE

    assert tuple(WRITABLE) == CLI_WRITABLE
    assert tuple(LIB_DISTRIBUTIONS) == DISTRIBUTIONS
    assert tuple(LIB_EXECUTORS) == EXECUTORS
    assert tuple(WEIGHTINGS) == CLI_WEIGHTINGS


def test_quiet_silences_notes(capsys, tmp_path):
    target = tmp_path / "a.csv"
    code, out, err = run(capsys, "convert", "syria-astana-2017", str(target))
    assert code == 0 and "wrote" in err
    target.unlink()
    code, out, err = run(capsys, "convert", "syria-astana-2017", str(target), "-q")
    assert code == 0 and out == "" and err == "" and target.is_file()


def test_show_without_evidence_is_short(capsys):
    code, out, _ = run(capsys, "show")
    assert (
        code == 0 and len(out.splitlines()) < 120
    )  # 12 actors, 9 issues: one table each, no evidence
    s = detente.load()
    for a in s.actors:
        assert a.label in out
    code, full, _ = run(capsys, "show", "--evidence")
    assert code == 0 and len(full.splitlines()) > 3 * len(out.splitlines())


def test_tables_show_names_not_ids(capsys):
    s = detente.load()
    code, out, _ = run(capsys, "pivotal", "-m", "compromise")
    assert code == 0
    assert "Syrian government (Assad)" in out and "syrian_government" not in out
    code, out, _ = run(capsys, "alliances", "-m", "compromise")
    assert code == 0 and "Syrian government (Assad)" in out
    assert "Alignment runs from −1 to 1" in out
    code, out, _ = run(capsys, "sensitivity", "-m", "compromise", "--sobol", "0")
    assert code == 0
    assert s.issue("kurdish_autonomy").label in out and "kurdish_autonomy" not in out


def test_alliance_scale_is_minus_one_to_one_everywhere(capsys):
    from detente.analysis.alliances import alignment

    code, out, _ = run(capsys, "alliances", "-m", "compromise", "-f", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert df["alignment"].min() < 0 <= df["alignment"].max() <= 1
    s = detente.load()
    signed = alignment(s, signed=True).pairs_frame().set_index(["actor_a", "actor_b"])
    got = df.set_index(["actor_a", "actor_b"])["alignment"]
    assert (got - signed.loc[got.index, "alignment"]).abs().max() < 1e-12
    # the library's 0..1 agreement maps onto it as 2a - 1
    plain = alignment(s).pairs_frame().set_index(["actor_a", "actor_b"])["alignment"]
    assert ((2 * plain.loc[got.index] - 1) - got).abs().max() < 1e-12


def test_forecast_series_is_labelled_by_issue():
    s = detente.load()
    r = detente.run_model(s, "compromise")
    series = r.forecast_series
    assert list(series.index) == list(s.issue_ids) and series.name == "compromise"
    assert (series.to_numpy() == r.forecast).all()
    assert isinstance(r.forecast, type(series.to_numpy()))  # models keep numpy arrays


HEAVY = ("pandas", "pyarrow", "dask", "matplotlib", "fastapi", "uvicorn", "weasyprint", "spacy")


def _modules_after(code: str) -> set[str]:
    import json
    import subprocess
    import sys

    script = (
        "import io, contextlib, json, sys\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    {code}\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_import_and_help_load_nothing_heavy():
    mods = _modules_after("import detente")
    assert not [m for m in HEAVY + ("numpy", "detente.api") if m in mods]
    mods = _modules_after(
        "from detente.cli import main\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass"
    )
    assert not [m for m in HEAVY + ("numpy", "rich") if m in mods]
    assert not [m for m in mods if m.startswith(("detente.analysis", "detente.run"))]


def test_simulate_loads_only_what_it_needs():
    from shared_data import shared_path

    a080 = shared_path("parity", "ktab", "dummyData-a080.csv")
    mods = _modules_after(
        "from detente.cli import main\n"
        f"    try:\n        main(['simulate', {str(a080)!r}, '-m', 'smp'])\n"
        "    except SystemExit:\n        pass"
    )
    assert "detente.models.smp" in mods  # it ran
    assert not [m for m in HEAVY if m in mods]
    # nor the other models, PyYAML, the XML parser, the DEU reader or numpy.ma
    others = [f"detente.models.{m}" for m in ("eum", "exchange", "condorcet", "procedural")]
    unneeded = others + ["yaml", "xml.etree", "detente.scenario.io.deu", "numpy.ma"]
    assert not [m for m in unneeded if m in mods]


def test_the_command_line_asks_blas_for_one_thread_unless_told():
    import subprocess
    import sys

    code = (
        "import os\n"
        "os.environ['OMP_NUM_THREADS'] = '3'\n"
        "os.environ.pop('OPENBLAS_NUM_THREADS', None)\n"
        "from detente.cli import one_blas_thread\n"
        "one_blas_thread()\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["1", "3"]


@pytest.mark.parametrize("model", ["eum", "smp"])
def test_simulate_results_do_not_depend_on_keeping_the_events(capsys, tmp_path, model):
    # without --events the model keeps no event log; every other output is the same
    a, b, ev = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "ev.csv"
    code, out_a, _ = run(capsys, "simulate", "-m", model, "--history", str(a), "--full")
    assert code == 0
    code, out_b, _ = run(
        capsys, "simulate", "-m", model, "--history", str(b), "--events", str(ev), "--full"
    )
    assert code == 0
    assert a.read_text() == b.read_text() and out_a == out_b
    assert len(pd.read_csv(ev)) > 0
