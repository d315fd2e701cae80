"""core: the vocabulary and the decisions of the gate, pure (no I/O, no TensorFlow).

Owns severities and outcomes with their exit codes (outcome.py), findings, measurements and the
one worst-first order and severity count (findings.py), the severity rules and waivers as typed
models with the rule that applies them (policy.py, waivers.py), the baseline rule
(baseline.py), the typed run record (record.py) and the contracts a run hands on: the verdict
and the run result (result.py). May import nothing of dqv but itself and validator.errors,
and no I/O or TensorFlow package.
"""
