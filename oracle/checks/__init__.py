"""The checks of learner mode: the contract's properties, the course's network-level checks, and
the reading of a learner's file (a ``.py`` module or a notebook) through the contract.

``deepscratch check PATH`` (``python -m oracle.checks PATH``) runs them on a learner's file;
``tests/`` runs the same checks on ``scratch``. Nothing here imports ``scratch``.
"""
