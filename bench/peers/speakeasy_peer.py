#!/usr/bin/env python3
"""Runs Mandiant's speakeasy (PyPI speakeasy-emulator) on one file, as its command line does, and
prints one JSON object for bench/emulator_bench.py. Run with the python of the throwaway virtual
environment bench/run-emulator-bench makes (never a Kensa dependency), in a temporary folder.

  speakeasy_peer.py FILE [--arch x86|amd64] [-- ARG...]

--arch makes FILE raw shellcode of that architecture. A PE runs with every entry point
(TLS callbacks, the entry point, each export of a DLL): run_module(all_entrypoints=True), what
`speakeasy -t FILE` does. "seconds" is the wall time of constructing the emulator, loading,
running and building the report (not interpreter start-up or the import of speakeasy, which is
"import_seconds"). "report" is speakeasy's report without its string lists.
"""
import argparse
import json
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--arch", choices=("x86", "amd64"))
    parser.add_argument("args", nargs="*")
    options = parser.parse_args()

    started = time.monotonic()
    import speakeasy  # noqa: E402 (timed apart: interpreter and import cost)
    import speakeasy.winenv.arch as e_arch
    import_seconds = time.monotonic() - started

    started = time.monotonic()
    error = None
    emulator = speakeasy.Speakeasy(argv=options.args)
    try:
        if options.arch:
            arch = e_arch.ARCH_X86 if options.arch == "x86" else e_arch.ARCH_AMD64
            address = emulator.load_shellcode(options.file, arch)
            emulator.run_shellcode(address, offset=0)
        else:
            module = emulator.load_module(options.file)
            emulator.run_module(module, all_entrypoints=True, emulate_children=False)
    except Exception as e:  # speakeasy raises for files it cannot load; the bench reports it
        error = f"{type(e).__name__}: {e}"
    report = emulator.get_report()
    seconds = time.monotonic() - started
    report.pop("strings", None)
    json.dump({"seconds": seconds, "import_seconds": import_seconds, "exception": error,
               "report": report}, sys.stdout, default=str)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
