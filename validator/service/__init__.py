"""`dqv serve`: jobs on their cron schedules, and the gate, status and metrics over HTTP.

    main.py       lifecycle: start, signals (SIGTERM stop, SIGHUP reload), stop
    state.py      the jobs, their run status, the bounded worker pool, no overlapping runs
    scheduler.py  APScheduler cron triggers and the catch-up after downtime
    http.py       the HTTP endpoints
    metrics.py    the service's Prometheus metrics (plus each job's latest run metric set)
May import run, report, notify, history, config and core; never cli.
"""
