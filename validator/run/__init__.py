"""run: making runs. The orchestrator and the one wiring every entry point shares.

Owns the runner (runner.py: plan, statistics, validate, record, observers; fail closed), run
settings (settings.py), the run session used by the CLI, the Python API and the service
(session.py: the store opened once, observers built once, the exit rule), the observers of a
job (observers.py), the gate (gate.py: from history or run now), the Python API (api.py),
SIGTERM recorded as an interruption (signals.py) and dqv's log lines (logs.py), which the
command line and the service's run processes share.
May import every package below it: notify, engines, validation, history, sources, stats,
config, core.
"""
