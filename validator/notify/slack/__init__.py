"""Slack notifications: routing (routes.py), message building (blocks.py, mrkdwn.py),
what to post given the open alerts (plan.py), alert threads and the outbox in the run
history store (state.py, mlmd_state.py), delivery through slack_sdk (transport.py), and
the run observer tying them together (notifier.py)."""
