"""Child processes that receive Ctrl-C as a terminal's would."""

import signal


def as_from_a_terminal():
    """``preexec_fn`` for a child that a test interrupts with SIGINT: SIGINT unblocked and at
    its default disposition. A child inherits its parent's signal mask and ignored signals, and a
    pytest worker's thread may have SIGINT blocked for a moment (multiprocessing's resource
    tracker blocks it while it starts); the child then never sees the signal, runs to the end
    and exits 0."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)
