"""`dqv … --help` says what each command does, shows an example and the exit codes; typos get a
did-you-mean (commands, options, choices, job names, job-file fields, columns)."""

from __future__ import annotations

import argparse
import pathlib

import pytest

from validator.cli import helptext
from validator.cli.main import build_parser, main
from validator.config.job import find_job, load_job
from validator.errors import ConfigError

COMMANDS = helptext.command_paths(build_parser())


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


def _usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    assert stop.value.code == 2
    return capsys.readouterr().err


def test_the_tree_has_every_command() -> None:
    assert {"init", "run", "backfill", "schema infer", "schema diff", "gate", "serve",
            "alerts flush", "history", "show", "report", "validate-config"} <= set(COMMANDS)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_help_has_a_description_an_example_and_exit_codes(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = _help(capsys, *command.split())
    description = helptext.HELP[command or "dqv"][0]
    assert " ".join(description.split()) in " ".join(out.split())
    assert "example:\n  dqv " in out
    assert "exit codes:\n  0  " in out and "\n  2  " in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_argument_has_help(command: str) -> None:
    parser = build_parser()
    for part in command.split():
        parser = helptext._subparsers(parser)[part]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):  # its choices have help instead
            assert all(a.help for a in action._choices_actions), command
        else:
            assert action.help, f"dqv {command}: {action.dest} has no help"


def test_gate_commands_list_all_four_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("run", "gate", "backfill"):
        out = _help(capsys, command)
        for line in ("0  pass or warn", "1  blocked", "2  not evaluated", "3  not ready"):
            assert line in out, (command, line)


def test_run_usage_shows_ds_as_required_with_the_note(capsys: pytest.CaptureFixture[str]) -> None:
    usage = _help(capsys, "run").split("\n\n")[0]
    assert "dqv run JOB --ds YYYY-MM-DD" in usage and "[--ds" not in usage
    assert "--ds is required for partitioned jobs" in usage


def test_a_mistyped_command_gets_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    assert "did you mean 'run'?" in _usage_error(capsys, "rn", "training_events")
    assert "did you mean 'validate-config'?" in _usage_error(capsys, "validate-conf")
    assert "did you mean 'infer'?" in _usage_error(capsys, "schema", "infr", "job")


def test_a_mistyped_option_gets_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(capsys, "run", "training_events", "--dss", "2026-11-01")
    assert "unrecognized arguments: --dss 2026-11-01 (did you mean '--ds'?)" in err
    assert "usage: dqv run" in err  # the subcommand's usage, not the top level's
    err = _usage_error(capsys, "gate", "training_events", "--ds", "2026-11-01", "--max_age=6h")
    assert "did you mean '--max-age'?" in err
    assert "did you mean 'local'?" in _usage_error(capsys, "run", "x", "--engine", "lokal")


def test_a_mistyped_job_name_gets_did_you_mean(tmp_project: pathlib.Path) -> None:
    with pytest.raises(ConfigError, match=r"no job named 'training_event' .*did you mean "
                                          r"'training_events'\?"):
        find_job("training_event", tmp_project)
    with pytest.raises(ConfigError) as unlike:
        find_job("zzz", tmp_project)
    assert "did you mean" not in str(unlike.value)


@pytest.mark.parametrize(("yaml_text", "field", "suggestion"), [
    ("shedule: {cron: '0 6 * * *'}\n", "shedule", "schedule"),
    ("source: {kind: bigquery, tabel: a.b}\n", "source.tabel", "table"),
    ("source: {kind: local, path: x, partition: {hive_kye: ds}}\n", "source.partition.hive_kye",
     "hive_key"),
    ("baseline: {polcy: none}\n", "baseline.polcy", "policy"),
    ("waivers: [{feature: a, anomaly: X_Y, until: 2026-01-01, owner: o, reasn: r}]\n",
     "waivers[0].reasn", "reason"),
])
def test_a_mistyped_job_field_gets_did_you_mean(tmp_path: pathlib.Path, yaml_text: str,
                                                field: str, suggestion: str) -> None:
    (tmp_path / "jobs").mkdir()
    job = tmp_path / "jobs" / "x.yaml"
    base = "name: x\nschema: s.pbtxt\n"
    if not yaml_text.startswith("source"):
        base += "source: {kind: local, path: x}\n"
    job.write_text(base + yaml_text)
    with pytest.raises(ConfigError) as err:
        load_job(job)
    assert f"field '{field}': unknown field (did you mean '{suggestion}'?)" in str(err.value)
