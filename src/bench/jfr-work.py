#!/usr/bin/env python3
"""Splits the execution samples of a JFR recording by the work the bundle does, for PROFILE=1 runs.

usage: jfr print --stack-depth 100 --events jdk.ExecutionSample measured.jfr | src/bench/jfr-work.py

Both Vert.x instances (the intake's HTTP server, the CRM client) name their threads vert.x-eventloop-thread-N, so a
sample is told apart by its stack. Prints each kind of work with its share of the samples, then, per kind, the
bundle's own methods seen most often on the stack (self or below), to show where inside the work time goes.
"""
import collections
import re
import sys

SAMPLE = re.compile(r'sampledThread = "([^"]*)"')
FRAME = re.compile(r'^\s+([\w.$<>]+)\(', re.M)


def work(thread, frames):
    stack = ' '.join(frames)
    if 'eventloop' in thread:
        if 'kz.qazedu.bundle.crm' in stack or 'Http1xClientConnection' in stack or 'HttpClientImpl' in stack:
            return 'CRM client (its event loop)'
        if 'Http1xServerConnection' in stack or 'kz.qazedu.bundle.edge' in stack or 'platform' in stack.lower():
            return 'intake HTTP server (event loops)'
        return 'event loops, other'
    if 'vert.x-worker' in thread:
        return 'HTTP routes (Vert.x workers: intake, API)'
    return re.sub(r'\d+', 'N', thread)


def main():
    samples = sys.stdin.read().split('jdk.ExecutionSample')[1:]
    works = collections.Counter()
    ours = collections.defaultdict(collections.Counter)
    for sample in samples:
        thread = SAMPLE.search(sample)
        frames = FRAME.findall(sample)
        kind = work(thread.group(1) if thread else '?', frames)
        works[kind] += 1
        for method in {f for f in frames if f.startswith('kz.qazedu.bundle.')}:
            ours[kind][method] += 1
    total = sum(works.values()) or 1
    print(f"{total} samples")
    for kind, n in works.most_common():
        print(f"{100 * n / total:5.1f} %  {kind}")
    for kind, n in works.most_common(6):
        top = ', '.join(f"{m.removeprefix('kz.qazedu.bundle.')} {100 * c / total:.1f} %"
                        for m, c in ours[kind].most_common(4))
        if top:
            print(f"  {kind}: {top}")


if __name__ == '__main__':
    main()
