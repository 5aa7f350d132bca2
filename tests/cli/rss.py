#!/usr/bin/env python3
"""rss.py - helpers for the large-file test.

  rss.py gen FILE MEGABYTES [--gzip]   write a {"Records":[...]} log file
  rss.py run CMD...                    run CMD, print "<peak RSS KiB> <status>"

Records are synthetic but shaped like CloudTrail's; every 100th one is a
DeleteTrail, the rest CreateTags.  Deterministic: the same size gives the
same bytes.
"""
import gzip
import resource
import subprocess
import sys

TEMPLATE = (
    '{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":'
    '"AIDA%07d","arn":"arn:aws:iam::123456789012:user/user%d","accountId":'
    '"123456789012","userName":"user%d"},"eventTime":"2026-11-26T10:%02d:%02dZ",'
    '"eventSource":"%s","eventName":"%s","awsRegion":"us-east-1",'
    '"sourceIPAddress":"203.0.113.%d","userAgent":"aws-cli/2.13.0 Python/3.11",'
    '"requestParameters":{"resourcesSet":{"items":[{"resourceId":"i-%012x"}]},'
    '"tagSet":{"items":[{"key":"team","value":"%s"},{"key":"note","value":"%s"}]}},'
    '"responseElements":{"_return":true},"requestID":"%08x-0000-4000-8000-%012x",'
    '"eventID":"%08x-1111-4000-8000-%012x","readOnly":false,"eventType":"AwsApiCall",'
    '"managementEvent":true,"recipientAccountId":"123456789012"}'
)


def record(i):
    trail = i % 100 == 0
    return TEMPLATE % (
        i, i % 997, i % 997, (i // 60) % 60, i % 60,
        "cloudtrail.amazonaws.com" if trail else "ec2.amazonaws.com",
        "DeleteTrail" if trail else "CreateTags", i % 250, i,
        "platform-%d" % (i % 13), "x" * (600 + i % 400), i, i, i, i)


def gen(path, megabytes, compress):
    limit = megabytes * 1024 * 1024
    out = gzip.open(path, "wb", compresslevel=1) if compress else open(path, "wb")
    written, i = 0, 0
    with out:
        out.write(b'{"Records":[')
        while written < limit:
            chunk = ",".join(record(i + k) for k in range(1000))
            if i:
                chunk = "," + chunk
            data = chunk.encode()
            out.write(data)
            written += len(data)
            i += 1000
        out.write(b"]}")
    print(i)


def run(cmd):
    status = subprocess.call(cmd, stdout=subprocess.DEVNULL)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(peak, status)


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), "--gzip" in sys.argv[4:])
    elif sys.argv[1] == "run":
        run(sys.argv[2:])
    else:
        sys.exit(__doc__)
