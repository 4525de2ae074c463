"""The record store (store.py): records decoded on demand, a page read in one query, a bounded cache."""

from __future__ import annotations

from codesearch import store


def test_many_gives_each_code_in_order_with_repeats(tiny_index):
    """many() answers the codes asked for, in that order, repeats included, as single lookups would."""
    codes = [str(c) for c in tiny_index.table.codes[:4]]
    asked = [codes[2], codes[0], codes[2], codes[3]]
    assert [r.code for r in tiny_index.records.many(asked)] == asked
    assert tiny_index.records.many(asked) == [tiny_index.records[c] for c in asked]
    assert tiny_index.records.many([]) == []


def test_full_cache_lets_go_of_its_oldest_record_only(tiny_index, monkeypatch):
    """At its limit the cache drops the record decoded first, keeping the others."""
    monkeypatch.setattr(store, "CACHE", 2)
    records = store.RecordStore(tiny_index.build)
    try:
        a, b, c = (str(code) for code in tiny_index.table.codes[:3])
        records[a], records[b], records[c]
        assert list(records._cache) == [b, c]
    finally:
        records.close()
