"""notify: telling the world about finished runs.

Owns the observer protocol (observer.py), the Prometheus metric set of a run (metrics.py) and
its push to a Pushgateway (pushgateway.py), and Slack alerts with their threads and outbox
(slack/). Observers get the run's result and the store the session opened; they never open
their own. May import core, config, stats and history; never run, report, service or cli.
"""
