#!/usr/bin/python3
"""Reference client for perf_client_bench: a minimal Python asyncio load
generator (Debian's python3-aiohttp), doing what typical Python load testers
do per request: POST a streamed chat completion, read the SSE lines, decode
each chunk's JSON and timestamp it. Closed loop at a fixed concurrency.

usage: aiohttp_client.py URL BODY_FILE CONCURRENCY REQUESTS
Prints one JSON line: requests, errors, seconds, chunks, completion_tokens, cpu_s.
"""
import asyncio
import json
import resource
import sys
import time

import aiohttp


async def one(session, url, body, stats):
    t0 = time.perf_counter()
    first = None
    async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as resp:
        if resp.status != 200:
            stats["errors"] += 1
            await resp.read()
            return
        async for raw in resp.content:
            line = raw.strip()
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                break
            chunk = json.loads(data)
            now = time.perf_counter()
            if chunk.get("choices"):
                delta = chunk["choices"][0].get("delta", {})
                if delta.get("content") or delta.get("reasoning_content"):
                    stats["chunks"] += 1
                    if first is None:
                        first = now - t0
            usage = chunk.get("usage")
            if usage:
                stats["completion_tokens"] += usage.get("completion_tokens", 0)
    stats["requests"] += 1


async def main():
    url, body_file, concurrency, requests = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open(body_file, "rb") as f:
        body = f.read()
    stats = {"requests": 0, "errors": 0, "chunks": 0, "completion_tokens": 0}
    left = requests
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker():
            nonlocal left
            while left > 0:
                left -= 1
                await one(session, url, body, stats)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    stats["seconds"] = seconds
    stats["cpu_s"] = ru.ru_utime + ru.ru_stime
    print(json.dumps(stats))


if __name__ == "__main__":
    asyncio.run(main())
