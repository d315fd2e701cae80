"""`dqv serve`: jobs on their cron schedules, and the gate, status and metrics over HTTP.

    main.py       lifecycle: start, signals (SIGTERM stop, SIGHUP reload), stop
    state.py      the jobs, their run status, the bounded worker pool, no overlapping runs
    runs.py       each run in a child process (TensorFlow never loads into the service), read
                  back from the history; a child that crashed or was stopped: not evaluated
    child.py      that child process (`python -m validator.service.child`); never imported here
    scheduler.py  APScheduler cron triggers and the catch-up after downtime
    http.py       the HTTP layer: Starlette routes, token, limits, uvicorn in its own thread
    api.py        what the endpoints answer: job status, manual runs and /runs/{id}
    gating.py     the gate in the service: in-memory history, one in-flight run per job and ds
    openapi.py    the OpenAPI document served at /openapi.json
    metrics.py    the service's Prometheus metrics (plus each job's latest run metric set)
May import run, report, notify, history, config and core; never cli.
"""
