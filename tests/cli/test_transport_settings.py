"""The CLI's test transport settings (RECONCILE_TEST_*), as a CLI subprocess meets them.

Every test's environment carries them (tests/isolation.py), so `main()` called
without `transport=` reads them from the environment, as `python -m reconciler`
in a subprocess does.
"""

from __future__ import annotations

import json
import os

import pytest
from integration.helpers import FIXTURE_CONFIG

from reconciler.cli import main
from reconciler.sandbox.runner import Sandbox


def test_they_are_set_for_every_test_and_so_for_every_cli_subprocess() -> None:
    assert os.environ["RECONCILE_TEST_PACING"] == "off"
    assert int(os.environ["RECONCILE_TEST_RETRY_SLEEP_MS"]) <= 10
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"


def test_they_are_refused_for_a_github_api_on_another_machine(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "https://github.example.com/api/v3")
    monkeypatch.setenv("GITHUB_TOKEN", "unused-" + os.urandom(4).hex())

    code = main(["plan", "-c", str(FIXTURE_CONFIG)])

    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 1
    assert len(errors) == 1, err
    assert "github.example.com" in errors[0]
    assert "RECONCILE_TEST_PACING" in errors[0]
    assert "Traceback" not in err


def test_a_run_with_them_says_so_in_its_log(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["plan", "--log-format", "json", "--detailed-exitcode"])

    captured = capsys.readouterr()
    assert code == 2, captured.err
    lines = [json.loads(line) for line in captured.err.splitlines()]
    announced = [line for line in lines if "test transport settings" in line["event"]]
    assert len(announced) == 1, captured.err
    assert announced[0]["level"] == "warning"
    assert announced[0]["pacing"] == "off"


def test_without_them_the_cli_runs_with_production_settings(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("RECONCILE_TEST_PACING")
    monkeypatch.delenv("RECONCILE_TEST_RETRY_SLEEP_MS")

    code = main(["plan", "--log-format", "json", "--detailed-exitcode"])

    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "test transport settings" not in captured.err


def test_points_per_minute_sets_the_secondary_limit_the_pacer_keeps() -> None:
    from reconciler.cli.parser import build_parser
    from reconciler.cli.session import transport_settings
    from reconciler.github import TransportSettings

    args = build_parser().parse_args(["plan", "--points-per-minute", "300"])
    args.transport = TransportSettings()  # production's, as a real run has them
    settings = transport_settings(args)
    assert settings.pacer.points_per_window == 300
    assert settings.pacer.window_seconds == 60.0
    # Everything else stays production's: only the points a minute are the server's own.
    assert settings.retry == TransportSettings().retry
    assert settings.pacer.writes_per_minute == TransportSettings().pacer.writes_per_minute

    args = build_parser().parse_args(["plan"])
    args.transport = TransportSettings()
    assert transport_settings(args).pacer.points_per_window == 900


@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_points_per_minute_must_be_a_positive_number(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:  # a usage error, as argparse reports it
        main(["plan", "--points-per-minute", value, "-c", str(FIXTURE_CONFIG)])
    err = capsys.readouterr().err
    assert exited.value.code == 1
    assert "--points-per-minute" in err and "Traceback" not in err
