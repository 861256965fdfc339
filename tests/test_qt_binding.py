"""The installed Qt binding keeps Python's reference counts intact."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


EMITS = 1000


class Sender(QObject):
    value_sent = Signal(object)


def test_signal_emit_keeps_true_refcount():
    # PySide6 6.12.0 drops a reference to True on each emit; after enough
    # emits Python aborts with "deallocating True or False".
    sender = Sender()
    received = []
    sender.value_sent.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(EMITS):
        sender.value_sent.emit(None)
    # Other code may take or drop a reference or two meanwhile; a leak per
    # emit would show as a drop of EMITS.
    assert sys.getrefcount(True) - before > -EMITS // 2
    assert len(received) == EMITS
