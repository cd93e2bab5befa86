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


def interrupt(proc, sig):
    """Send ``sig`` to ``proc`` if it is still running; return whether it was.

    The child is frozen with SIGSTOP first, so "still running" cannot change between the check
    and the signal: a run that ended while the test was descheduled (a loaded machine) is told
    apart from a run that received the signal and ignored it. The signal is then delivered on
    SIGCONT, as a terminal's Ctrl-C would be."""
    import os

    os.kill(proc.pid, signal.SIGSTOP)  # an unreaped child keeps its pid: no other process is hit
    if proc.poll() is not None:  # it had ended: the stop reached a zombie
        return False
    os.kill(proc.pid, sig)
    if sig != signal.SIGKILL:
        os.kill(proc.pid, signal.SIGCONT)
    return True
