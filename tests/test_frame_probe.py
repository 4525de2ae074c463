"""tools/frame_probe.py: each frame wraps the query once, and the probe counts on the real index."""

from __future__ import annotations

from fixtures import load_tool

tool = load_tool("frame_probe")


def test_every_frame_wraps_the_query_once():
    """A frame holds the query once and adds words of its own (a frame that is only the query
    would count nothing)."""
    for frame in tool.CONDITION_FRAMES + tool.ITEM_FRAMES:
        assert frame.count("{}") == 1 and frame.strip() != "{}"
        assert frame.format("fever") != "fever"


def test_the_probe_counts_what_frames_lose_on_a_read_split(real_settings, real_index, capsys):
    """On one read split (never a held-out one) it prints a line per frame and the total, and the
    clinical frames this project reads as no part ("pt c/o", "ER visit for") lose few queries."""
    assert tool.main([str(real_settings.index_dir), "--split-glob", "tuning2", "--show", "0"]) == 0
    out = capsys.readouterr().out
    lines = {line.split(" lost ")[0].strip().strip("'"): line for line in out.splitlines() if " lost " in line}
    assert set(tool.CONDITION_FRAMES) | set(tool.ITEM_FRAMES) <= set(lines)
    for frame in ("pt c/o {}", "ER visit for {}", "{} symptoms"):
        lost, _, found = lines[frame].split(" lost ")[1].partition(" of ")
        assert int(found) > 10 and int(lost) <= int(found) // 10, lines[frame]
    assert tool.main([str(real_settings.index_dir), "--split-glob", "heldout2", "--show", "0"]) == 0
    assert "all frames: lost 0 of 0" in capsys.readouterr().out  # held-out splits are never framed
