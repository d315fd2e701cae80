"""config: the files a user writes, parsed into typed models.

Owns the job file models and loader (job.py; errors name file, line and field), the YAML loader
with line numbers (yaml_loader.py), schedules (schedule.py) and schema I/O (schema_io.py: the
curated `schemas/*.pbtxt`). May import core (the policy models live there); nothing else.
"""
