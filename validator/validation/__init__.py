"""validation: (statistics, schema, baseline, reference, policy) -> verdict, as TFX's
ExampleValidator does it (TFDV's validate_statistics), then the job's severity rules and
waivers. No I/O. May import core and stats.
"""
