"""sources: where the data comes from. Each source plans one ds's read once (base.py:
SourcePlan), yields raw Arrow record batches, and declares what it can do (split into shards,
a Beam read): local Parquet and CSV files (local.py, local_split.py, local_beam.py) and
BigQuery (bigquery/). May import config and core; never engines, stats or anything above.
"""
