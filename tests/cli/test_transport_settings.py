"""The pacing and retry settings of the CLI (docs/configuration.md, "Pacing and
retries"): `--points-per-minute` and `--retry-backoff`, or the documented
RECONCILE_POINTS_PER_MINUTE and RECONCILE_RETRY_BACKOFF variables. The tests
run every CLI with the variables set (tests/isolation.py), as a user could.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from integration.helpers import FIXTURE_CONFIG

from reconciler.cli import main
from reconciler.cli.parser import build_parser
from reconciler.cli.session import transport_settings
from reconciler.github import PacerConfig, RetryPolicy, TransportSettings


def _settings(*argv: str) -> TransportSettings:
    return transport_settings(build_parser().parse_args(["plan", *argv]))


def test_every_test_runs_the_cli_unpaced_with_millisecond_backoffs() -> None:
    assert os.environ["RECONCILE_POINTS_PER_MINUTE"] == "off"
    assert float(os.environ["RECONCILE_RETRY_BACKOFF"]) <= 0.01
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
    assert _settings() == TransportSettings(
        PacerConfig.unpaced(), replace(RetryPolicy(), backoff=0.001)
    )


def test_without_the_variables_the_cli_runs_with_production_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RECONCILE_POINTS_PER_MINUTE")
    monkeypatch.delenv("RECONCILE_RETRY_BACKOFF")
    assert _settings() == TransportSettings()


def test_points_per_minute_sets_the_secondary_limit_the_pacer_keeps() -> None:
    settings = _settings("--points-per-minute", "300")  # the flag wins over the variable
    assert settings.pacer.points_per_window == 300
    assert settings.pacer.window_seconds == 60.0
    # Everything else stays production's: only the points a minute are the server's own.
    assert settings.pacer.writes_per_minute == PacerConfig().writes_per_minute
    assert _settings("--points-per-minute", "off").pacer == PacerConfig.unpaced()
    assert _settings("--points-per-minute", "0").pacer == PacerConfig.unpaced()


def test_retry_backoff_sets_only_the_first_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _settings("--retry-backoff", "2.5").retry == replace(RetryPolicy(), backoff=2.5)
    monkeypatch.setenv("RECONCILE_RETRY_BACKOFF", "0.5")
    assert _settings().retry.backoff == 0.5


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--points-per-minute", "-5"),
        ("--points-per-minute", "many"),
        ("--retry-backoff", "-1"),
        ("--retry-backoff", "61"),
        ("--retry-backoff", "nan"),
    ],
)
def test_a_bad_flag_is_a_usage_error(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:  # a usage error, as argparse reports it
        main(["plan", flag, value, "-c", str(FIXTURE_CONFIG)])
    err = capsys.readouterr().err
    assert exited.value.code == 1
    assert f"argument {flag}: {value!r} is not" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("name", "value"),
    [("RECONCILE_POINTS_PER_MINUTE", "fast"), ("RECONCILE_RETRY_BACKOFF", "soon")],
)
def test_a_bad_variable_is_one_line(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("GITHUB_TOKEN", "unused-" + os.urandom(4).hex())

    code = main(["plan", "-c", str(FIXTURE_CONFIG)])

    err = capsys.readouterr().err
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {name}: {value!r} is not")
