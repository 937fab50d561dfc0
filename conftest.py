"""pytest: the docstring examples of ``lrcourse`` run with what a learner has imported.

``pytest --doctest-modules lrcourse`` (part of ``make test``) runs every example in the
package's docstrings, the ones the API page shows, with ``lc``, ``np``, ``torch`` and the
package's public names in scope, as in a lesson after ``import lrcourse as lc``.
"""

import numpy as np
import pytest
import torch

import lrcourse as lc


@pytest.fixture(autouse=True)
def _learner_namespace(doctest_namespace):
    doctest_namespace.update({name: getattr(lc, name) for name in lc.__all__})
    doctest_namespace.update(lc=lc, np=np, torch=torch)
