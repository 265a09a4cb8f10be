#!/usr/bin/env python3
"""Where a target's CPU goes: `perf script` output -> share of samples per area.

Usage: perf script -i perf.data | bench/profile/breakdown.py [US_PER_REQUEST]

Each sample goes to the first area (below, in order) that any frame of its stack matches, leaf first; with
US_PER_REQUEST (the target's measured CPU per request) the shares are also printed in microseconds. Record with
`perf record -F 999 -g -p PID` on a target started with DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
(bench/profile/record.sh does both), or the JIT-compiled frames have no names.
"""
import re
import sys
from collections import Counter

AREAS = [
    ("tracing (activities, OpenTelemetry)", r"OpenTelemetry|System\.Diagnostics\.Activity|DiagnosticListener|DiagnosticSource|ActivitySource|HostingApplicationDiagnostics"),
    ("metrics", r"System\.Diagnostics\.Metrics|OpenTelemetry\.Metrics"),
    ("logging", r"Microsoft\.Extensions\.Logging"),
    ("gateway: rate limiting", r"\[Api\] AspireAoai\.Api\.RateLimiting"),
    ("usage events, Redis client", r"\[Api\] AspireAoai\.Api\.Usage|StackExchange\.Redis"),
    ("gateway: authentication", r"\[Api\] AspireAoai\.Api\.Auth"),
    ("gateway: request parsing", r"\[Api\] AspireAoai\.Api\.Parsing"),
    ("gateway: cache", r"\[Api\] AspireAoai\.Api\.Caching"),
    ("gateway: response observer", r"\[Api\] AspireAoai\.Api\.Telemetry"),
    ("gateway: handler, forwarder, routing", r"\[Api\]"),
    ("ASP.NET Core routing, host filtering", r"Microsoft\.AspNetCore\.Routing|HostFiltering"),
    ("HttpClient (upstream)", r"System\.Net\.Http"),
    ("Kestrel", r"Kestrel"),
]


def main():
    us = float(sys.argv[1]) if len(sys.argv) > 1 else None
    counts = Counter()
    total = 0
    stack = []

    def flush():
        nonlocal total
        if not stack:
            return
        total += 1
        for frame in stack:
            for name, pattern in AREAS:
                if re.search(pattern, frame):
                    counts[name] += 1
                    return
        counts["kernel (no managed caller in the stack)" if "[kernel" in stack[0] else "runtime, thread pool, other"] += 1

    for line in sys.stdin:
        if not line.strip():
            flush()
            stack = []
        elif line[0] in "\t ":
            stack.append(line.strip())
    flush()
    if total == 0:
        sys.exit("no samples")
    for name, n in counts.most_common():
        share = 100.0 * n / total
        print(f"{share:5.1f}%" + (f" {us * n / total:6.1f} us" if us else "") + f"  {name}")


if __name__ == "__main__":
    main()
