"""What it means when a process running llama.cpp dies, in one line: the signal, the likely
cause, and the command that fixes it. Shared by the smoke test and the summarizer worker."""

from __future__ import annotations

import signal

SETUP_PORTABLE = "scripts/setup local --portable"
SETUP_REBUILD = "scripts/setup local --rebuild"

# signal -> (likely cause, what to do)
_CAUSES: dict[int, tuple[str, str]] = {
    signal.SIGILL: (
        "illegal instruction: the llama.cpp build uses an instruction family this CPU or its "
        "hypervisor does not run (AMX and AVX-512 are the usual ones on cloud VMs)",
        f"run `{SETUP_PORTABLE}` to build llama.cpp without them "
        "(or choose the flags with PAPERDIGEST_LLAMA_CMAKE_ARGS)",
    ),
    signal.SIGKILL: (
        "killed from outside, most likely by the kernel's out-of-memory killer (see `dmesg`)",
        "free some memory or use a smaller context (-o n_ctx=2048), then run the same command "
        "again",
    ),
    signal.SIGSEGV: (
        "a memory fault inside llama.cpp: a broken build or a damaged model file",
        f"run `paperdigest model verify`, then `{SETUP_REBUILD}`",
    ),
    signal.SIGBUS: (
        "a bus error inside llama.cpp: the model file changed or its disk failed while loaded",
        "run `paperdigest model assemble --force`, then the same command again",
    ),
    signal.SIGABRT: (
        "llama.cpp stopped on an internal check (often an unsupported or damaged model file)",
        f"run `paperdigest model verify`, then `{SETUP_REBUILD}`",
    ),
    signal.SIGFPE: (
        "an arithmetic trap inside llama.cpp (a build problem)",
        f"run `{SETUP_PORTABLE}`",
    ),
}


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def describe_exit(returncode: int | None) -> tuple[str, str]:
    """(what happened, "likely cause; fix") for a child's return code (negative: a signal)."""
    if returncode is not None and returncode < 0:
        number = -returncode
        cause, fix = _CAUSES.get(
            number, ("the process was stopped by a signal", f"run `{SETUP_REBUILD}`")
        )
        return signal_name(number), f"likely cause: {cause}; fix: {fix}"
    if returncode is None:
        return "no exit status", f"fix: run `{SETUP_REBUILD}`"
    return (
        f"exit status {returncode}",
        "likely cause: the process ended without an answer (see the lines above); "
        f"fix: run `{SETUP_REBUILD}`",
    )


def no_core_dumps() -> None:
    """For a child about to run llama.cpp: a crash leaves a message, not a core file."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
