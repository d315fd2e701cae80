"""`dqv serve`: jobs on their cron schedules, and the gate, status and metrics over HTTP.

    main.py       lifecycle: start, signals (SIGTERM stop, SIGHUP reload), stop
    state.py      the jobs, their run status, the bounded worker pool, no overlapping runs
    scheduler.py  APScheduler cron triggers and the catch-up after downtime
    http.py       the HTTP layer: Starlette routes, token, limits, uvicorn in its own thread
    api.py        what the endpoints answer: job status, manual runs and /runs/{id}
    gating.py     the gate in the service: in-memory history, one in-flight run per job and ds
    openapi.py    the OpenAPI document served at /openapi.json
    tracking.py   the run in flight, so that the drain can record it as interrupted
    metrics.py    the service's Prometheus metrics (plus each job's latest run metric set)
May import run, report, notify, history, config and core; never cli.
"""
