"""cli: the `dqv` command line, thin handlers over run/, report/ and service/ (main.py), plus
what only the terminal shows: tables (render.py), `dqv history` (history.py), `dqv show`
(show.py) and `dqv schema infer|diff` (schema.py). The top layer: may import anything.
"""
