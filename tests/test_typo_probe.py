"""tools/typo_probe.py: the synthetic typos it makes are the slips it says it makes."""

from __future__ import annotations

import random

from fixtures import load_tool

tool = load_tool("typo_probe")


def test_misspell_makes_one_slip_inside_the_word():
    """Each kind makes one slip, never at the first letter; only a swap may move the last."""
    rng = random.Random(3)
    for _ in range(200):
        for kind in tool.KINDS:
            typed = tool.misspell("octagam", kind, rng)
            assert typed[0] == "o" and (typed[-1] == "m" or kind == "swap")
            assert len(typed) == {"del": 6, "dup": 8}.get(kind, 7)
            if kind == "swap":
                assert sorted(typed) == sorted("octagam")
                assert sum(a != b for a, b in zip(typed, "octagam")) in (0, 2)
            if kind == "sub":
                assert sum(a != b for a, b in zip(typed, "octagam")) <= 1


def test_the_probe_runs_on_a_small_index(tiny_settings, tiny_index, capsys):
    """On the tiny index it prints the brand and word lines and returns 0."""
    assert tool.main([str(tiny_settings.index_dir), "--brands", "5", "--words", "5", "--show", "0"]) == 0
    out = capsys.readouterr().out
    assert "brand" in out
