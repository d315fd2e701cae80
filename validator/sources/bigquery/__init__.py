"""BigQuery as a source, all in one place: identifiers and cost rules (sql.py), the clients
built from an endpoint setting (clients.py), the Storage Read source (source.py) and the Beam
read of the same rows (beam_read.py). May import config, core and sources.base.
"""
