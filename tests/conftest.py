"""Shared test settings: hypothesis without deadlines (CI machines are shared and noisy),
and the count of the bad-input suite (tests/bad_inputs) printed at the end of a run."""
import os
from collections import Counter

from hypothesis import settings

settings.register_profile("minigrad", deadline=None, max_examples=25)
settings.load_profile("minigrad")

BAD_INPUTS = "tests/bad_inputs/test_bad_"


def _family(nodeid: str) -> str | None:
    """tests/bad_inputs/test_bad_shape_ops.py::... -> "shape ops"."""
    nodeid = nodeid.replace(os.sep, "/")
    at = nodeid.find(BAD_INPUTS)
    if at < 0:
        return None
    return nodeid[at + len(BAD_INPUTS):].split(".py", 1)[0].replace("_", " ")


def pytest_terminal_summary(terminalreporter):
    """One line per family of the bad-input suite: how many cases ran, and any that did
    not pass (an xfail marks a fix that waits for another branch)."""
    outcomes: dict[str, Counter] = {}
    seen = set()
    for outcome, reports in terminalreporter.stats.items():
        for r in reports:
            family = _family(getattr(r, "nodeid", "") or "")
            if family is None or r.nodeid in seen or not outcome:
                continue
            if getattr(r, "when", "call") != "call" and outcome in ("passed", "skipped"):
                continue  # the call report says it (a case skipped in setup is not counted)
            seen.add(r.nodeid)
            outcomes.setdefault(family, Counter())[outcome] += 1
    if not outcomes:
        return
    total = sum(sum(c.values()) for c in outcomes.values())
    passed = sum(c["passed"] for c in outcomes.values())
    write = terminalreporter.write_line
    terminalreporter.section("bad-input suite")
    write(f"{total} bad-input cases in {len(outcomes)} families, {passed} passed:")
    for family in sorted(outcomes):
        c = outcomes[family]
        others = ", ".join(f"{n} {k}" for k, n in sorted(c.items()) if k != "passed")
        write(f"  {family:<12} {sum(c.values()):>4}" + (f"  ({others})" if others else ""))
