"""The process of one run of `dqv serve`: `python -m validator.service.child PARENT_PID`, started
by validator/service/runs.py. The service never imports this module: a run loads the statistics
and validation stack (TFDV, TensorFlow), and that stays out of the service's own process, so the
service's memory stays small however many runs it makes.

It reads one request (JSON) on stdin: the job as the service loaded it, the ds, the run id the
service chose, the artifact root and the log level. It runs the job as `dqv run` does (the run
session: the run lock, the history, the observers) under that run id, and writes one JSON line
on its stdout: `{"run_id", "outcome"}`, or `{"error"}` when the run could not start (an error
before anything was recorded). Its log lines go to the service's stderr. It dies with the
service (PR_SET_PDEATHSIG), ignores Ctrl-C (the service drains), and on SIGTERM records the run
as interrupted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import signal
import sys
from typing import Any

from validator.engines.lifetime import die_with_parent
from validator.errors import DqvError
from validator.run import signals
from validator.run.logs import setup_logging
from validator.service.runs import job_from_json


def run(request: dict[str, Any]) -> dict[str, Any]:
    from validator.run.session import RunSession
    from validator.run.settings import RunSettings

    try:
        job = job_from_json(request["job"])
        session = RunSession(RunSettings(artifact_root=pathlib.Path(request["artifact_root"]),
                                         progress=False))
        result = session.run(job, dt.date.fromisoformat(request["ds"]), run_id=request["run_id"])
    except DqvError as err:  # before the run was recorded: the run lock, the store, the config
        return {"error": str(err)}
    except Exception as err:  # fail closed, and say what it was
        return {"error": f"internal error ({err.__class__.__name__}: {err})"}
    record = result.record
    return {"run_id": record.run_id, "outcome": record.outcome.value if record.outcome else None}


def main(argv: list[str]) -> int:
    die_with_parent(int(argv[0]))  # first: a run nobody waits for must not go on
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the service, which drains
    reply = os.fdopen(os.dup(1), "w", encoding="utf-8")  # the one line for the service
    os.dup2(2, 1)  # anything a library prints goes to the log, not into the reply
    request = json.loads(sys.stdin.read())
    signals.record_runs_on_sigterm(request["interrupted_reason"])
    setup_logging(verbose=request["verbose"], quiet=request["quiet"])
    reply.write(json.dumps(run(request)) + "\n")
    reply.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
