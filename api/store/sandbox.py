"""Keep query worker processes off the network: a seccomp filter on ``socket(2)``.

pyoxigraph federates unconditionally (``SERVICE <url>`` makes its Rust HTTP
client connect) and offers no switch to turn that off; Python audit hooks do
not see Rust's sockets (``../shared/notes/security.md`` beside the checkout). The safety check
(:mod:`api.sparql.safety`) refuses ``SERVICE`` before a query runs; this
module is the layer below it, so that a query the check did not recognise
still cannot reach the network:

* :func:`install` (called first thing in each worker) loads a seccomp BPF
  filter, synchronised to every thread of the process, under which
  ``socket()`` for any family but ``AF_UNIX``, ``socketcall()``,
  ``io_uring_setup()`` and the x32 system-call ABI **kill the process**: the
  call is not made, and the process ends with ``SIGSYS``
  (:data:`KILLED_BY`), which no code in the process can catch or undo.
* The pool sees that exit status and answers the query with the same refusal
  as the safety check (``service-not-allowed``), then starts a fresh worker.
  So the decision is made by the engine that executes the query: whatever its
  parser made of the text, a query that tries to reach the network is refused
  and nothing leaves the machine, ``SERVICE SILENT`` included.

Why not make the call fail with an error number instead: a failed ``SERVICE
SILENT`` is an empty result, so the attempt would go unnoticed; and a
trapped call (``SECCOMP_RET_TRAP``) returns a meaningless value that Rust
takes for a file descriptor (probed: it then wrote to descriptor 41).

The filter needs Linux (x86_64 or aarch64) and ``PR_SET_NO_NEW_PRIVS``, no
privileges. It cannot be removed by the process once installed. Where it
cannot be installed, :func:`install` raises :class:`SandboxUnavailable`; the
pool then refuses to start unless ``CCAI_WORKER_SANDBOX=off`` (documented as
unsafe for a public endpoint).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
import signal
import struct
import sys


class SandboxUnavailable(RuntimeError):
    """The kernel filter could not be installed here (not Linux, or refused)."""


# <linux/seccomp.h>, <linux/filter.h>, <linux/audit.h>
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_KILL_PROCESS = 0x80000000
_PR_SET_NO_NEW_PRIVS = 38
_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_JGE_K = 0x35
_BPF_RET_K = 0x06
_AF_UNIX = 1

# seccomp_data: nr (u32, offset 0), arch (u32, 4), ip (u64, 8), args[6] (u64, 16…)
_OFF_NR, _OFF_ARCH, _OFF_ARG0 = 0, 4, 16


class _Arch:
    def __init__(
        self, audit: int, seccomp: int, socket: int, blocked: tuple[int, ...], x32: bool
    ) -> None:
        self.audit = audit
        self.seccomp = seccomp  # the seccomp(2) system call
        self.socket = socket
        self.blocked = blocked  # trapped whatever their arguments
        self.x32 = x32  # the x86_64 kernel also accepts x32 calls (nr | 0x40000000)


_ARCHES = {
    # socketcall does not exist on x86_64/aarch64; io_uring_setup = 425 on both.
    "x86_64": _Arch(0xC000003E, 317, 41, (425,), x32=True),
    "aarch64": _Arch(0xC00000B7, 277, 198, (425,), x32=False),
}

#: ``multiprocessing.Process.exitcode`` of a worker the filter stopped.
KILLED_BY = -signal.SIGSYS

_installed = False


def _program(arch: _Arch) -> list[tuple[int, int, int, int]]:
    """The BPF program as (code, jt, jf, k) instructions."""
    allow = (_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW)
    kill = (_BPF_RET_K, 0, 0, _SECCOMP_RET_KILL_PROCESS)
    prog: list[tuple[int, int, int, int]] = [
        (_BPF_LD_W_ABS, 0, 0, _OFF_ARCH),
        (_BPF_JEQ_K, 1, 0, arch.audit),  # another ABI (e.g. 32-bit calls): kill
        kill,
        (_BPF_LD_W_ABS, 0, 0, _OFF_NR),
    ]
    if arch.x32:
        prog += [(_BPF_JGE_K, 0, 1, 0x40000000), kill]
    for nr in arch.blocked:
        prog += [(_BPF_JEQ_K, 0, 1, nr), kill]
    prog += [
        (_BPF_JEQ_K, 1, 0, arch.socket),
        allow,
        (_BPF_LD_W_ABS, 0, 0, _OFF_ARG0),  # socket(domain, …): low 32 bits of the domain
        (_BPF_JEQ_K, 1, 0, _AF_UNIX),
        kill,
        allow,
    ]
    return prog


def installed() -> bool:
    return _installed


def install() -> None:
    """Install the filter for the whole process (all threads). Irreversible.

    Raises:
        SandboxUnavailable: not Linux on x86_64/aarch64, or the kernel refused.
    """
    global _installed
    if _installed:
        return
    machine = platform.machine()
    if not sys.platform.startswith("linux") or machine not in _ARCHES:
        raise SandboxUnavailable(f"no seccomp filter for {sys.platform}/{machine}")
    arch = _ARCHES[machine]
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(f"prctl(NO_NEW_PRIVS) failed: errno {ctypes.get_errno()}")
    instructions = _program(arch)
    raw = b"".join(struct.pack("=HBBI", *ins) for ins in instructions)
    buffer = ctypes.create_string_buffer(raw, len(raw))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(instructions), ctypes.cast(buffer, ctypes.c_void_p))
    libc.syscall.restype = ctypes.c_long
    result = libc.syscall(
        ctypes.c_long(arch.seccomp),
        ctypes.c_long(_SECCOMP_SET_MODE_FILTER),
        ctypes.c_long(_SECCOMP_FILTER_FLAG_TSYNC),
        ctypes.byref(fprog),
    )
    if result != 0:
        raise SandboxUnavailable(f"seccomp() refused the filter: errno {ctypes.get_errno()}")
    _installed = True
