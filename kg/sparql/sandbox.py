"""A query child that cannot open a network socket: a seccomp filter (Linux, x86-64 and AArch64) that
makes socket(AF_INET | AF_INET6 | AF_PACKET, …) fail with EACCES in the calling process and every thread
it starts. The second line of defence behind kg.sparql.safety: whatever a parser reads in a query, the
process that runs it has no way to the network. Elsewhere `deny_network` returns False and the text
check stands alone.
"""

from __future__ import annotations

import ctypes
import platform
import struct

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_EACCES = 0x00050000 | 13
# (audit arch, socket syscall number, socketpair is left alone: it makes local pipes only)
_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
_FAMILIES = (2, 10, 17)  # AF_INET, AF_INET6, AF_PACKET

_LD_W_ABS, _JEQ_K, _RET_K = 0x20, 0x15, 0x06


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _program(arch: int, nr_socket: int) -> list[tuple[int, int, int, int]]:
    n = len(_FAMILIES)
    prog = [(_LD_W_ABS, 0, 0, 4),                      # A = seccomp_data.arch
            (_JEQ_K, 1, 0, arch),                      # our arch: go on; another ABI: refuse below
            (_RET_K, 0, 0, _RET_EACCES),
            (_LD_W_ABS, 0, 0, 0),                      # A = seccomp_data.nr
            (_JEQ_K, 0, n + 1, nr_socket),             # not socket(): allow
            (_LD_W_ABS, 0, 0, 16)]                     # A = low word of args[0], the address family
    for i, fam in enumerate(_FAMILIES):
        prog.append((_JEQ_K, n - i, 0, fam))           # a network family: jump to the EACCES return
    prog += [(_RET_K, 0, 0, _RET_ALLOW), (_RET_K, 0, 0, _RET_EACCES)]
    return prog


def deny_network() -> bool:
    """Forbid network sockets to this process from now on (irreversible). True when in force."""
    spec = _ARCH.get(platform.machine())
    if spec is None or struct.calcsize("P") != 8:
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    code = _program(*spec)
    filters = (_Filter * len(code))(*[_Filter(*c) for c in code])
    prog = _Prog(len(code), filters)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0


__all__ = ["deny_network"]
