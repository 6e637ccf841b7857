"""The Python examples of the documentation run as written.

Each ```python block of README.md, python/README.md and docs/tutorial.md
is executed on its own. A documentation audit (2026-12-07) found the
compiler example of python/README.md unrunnable (an elided dense_resource,
`...` for the body, undefined inputs); this keeps the examples honest.
"""
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DOCS = ["README.md", "python/README.md", "docs/tutorial.md"]


def _examples():
    for doc in DOCS:
        with open(os.path.join(ROOT, doc), encoding="utf-8") as f:
            text = f.read()
        for index, block in enumerate(
                re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)):
            yield pytest.param(block, id=f"{doc}#{index}")


@pytest.mark.parametrize("source", list(_examples()))
def test_example_runs(source):
    exec(compile(source, "<example>", "exec"), {"__name__": "__example__"})


def test_every_document_has_examples():
    # A renamed fence or file would otherwise skip them silently.
    found = {param.id.split("#")[0] for param in _examples()}
    assert found == set(DOCS)
