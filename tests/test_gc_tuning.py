"""`serve` tunes the garbage collector once it has started."""

from __future__ import annotations

import gc

from bot.cli import GC_THRESHOLDS, _tune_garbage_collection


def test_start_up_objects_are_frozen_and_collections_are_rarer() -> None:
    """After tuning, start-up objects sit in the permanent generation and the youngest
    generation is collected after 20,000 allocations instead of 700."""
    before = gc.get_threshold()
    try:
        _tune_garbage_collection()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > before[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
