"""cli: the `dqv` command line, thin handlers over run/, report/ and service/ (main.py), plus
what only the terminal shows: tables (render.py), `dqv history` (history.py), `dqv show`
(show.py), `dqv schema infer|diff` (schema.py), `dqv init` (init.py), and what `--help` says
beyond the arguments, with did-you-mean errors (helptext.py). The top layer: may import anything.
"""
