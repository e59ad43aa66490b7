"""HTTP load for the casting benchmark, in its own process.

    python bench/loadgen.py PORT REQUESTS_FILE MODE VALUE SECONDS [--offset N]
                            [--max-connections M]

REQUESTS_FILE holds one request per line as JSON ``{"method", "path", "headers", "body"}``;
request ``i`` of the run is line ``offset + i`` (wrapping around). MODE ``open`` sends at
VALUE requests per second on a fixed schedule, whatever the answers (an open loop: the
latency of a request counts from its scheduled time, so queueing shows) over at most
``--max-connections`` connections (default 32), as a load balancer's bounded pool of
upstream connections would: past the server's capacity requests wait for a free
connection instead of opening ever more; MODE ``closed`` keeps VALUE connections busy
back to back (the ceiling), each waiting as a 503's Retry-After asks before it sends
again, as the shed page's script does. Keep-alive HTTP/1.1 on loopback. Prints one JSON object:
counts by status, errors, achieved rate, latencies, and the same for the accepted casts
(302) alone: goodput when the server sheds load with 503.
"""

import argparse
import asyncio
import json
import re
import time

CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
RETRY_AFTER = re.compile(rb"\r\nretry-after:\s*(\d+)", re.IGNORECASE)
TIMEOUT = 10.0


class Connection(asyncio.Protocol):
    def __init__(self):
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.transport = None
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        if self.waiter is None or self.waiter.done():
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end])
        match = CONTENT_LENGTH.search(head)
        total = end + 4 + (int(match.group(1)) if match else 0)
        if len(self.buffer) < total:
            return
        del self.buffer[:total]
        close = b"connection: close" in head.lower()
        retry = RETRY_AFTER.search(head)
        self.waiter.set_result((int(head[9:12]), close, int(retry.group(1)) if retry else 0))

    def connection_lost(self, exc):
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection lost"))

    async def send(self, data: bytes):
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return await asyncio.wait_for(self.waiter, TIMEOUT)


def encode(request: dict, port: int) -> bytes:
    body = request.get("body", "").encode()
    lines = [f"{request['method']} {request['path']} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in request.get("headers", {}).items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Run:
    def __init__(self, port: int, requests: list[bytes], offset: int, connections: int):
        self.port = port
        self.slots = asyncio.Semaphore(connections)
        self.requests = requests
        self.next = offset
        self.idle: list[Connection] = []
        self.statuses: dict[int, int] = {}
        self.errors = 0
        self.latencies: list[float] = []
        self.accepted: list[float] = []  # latencies of the casts the server took (302)

    def take(self) -> bytes:
        data = self.requests[self.next % len(self.requests)]
        self.next += 1
        return data

    async def connection(self) -> Connection:
        while self.idle:
            connection = self.idle.pop()
            if not connection.closed:
                return connection
        loop = asyncio.get_running_loop()
        _transport, connection = await loop.create_connection(Connection, "127.0.0.1", self.port)
        return connection

    async def fire(self, scheduled: float, data: bytes) -> int:
        """Send one request; the seconds its answer asks to wait before another
        (Retry-After of a shed cast), else 0."""
        loop = asyncio.get_running_loop()
        async with self.slots:
            try:
                connection = await self.connection()
                status, close, retry_after = await connection.send(data)
            except (TimeoutError, OSError, ConnectionError):
                self.errors += 1
                return 0
        self.latencies.append(loop.time() - scheduled)
        if status == 302:
            self.accepted.append(self.latencies[-1])
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if close:
            connection.transport.close()
        else:
            self.idle.append(connection)
        return retry_after

    async def open_loop(self, rate: float, seconds: float) -> float:
        loop = asyncio.get_running_loop()
        total = int(rate * seconds)
        start = loop.time() + 0.05
        pending: set[asyncio.Task] = set()
        sent = 0
        while sent < total:
            now = loop.time()
            while sent < total and start + sent / rate <= now:
                task = loop.create_task(self.fire(start + sent / rate, self.take()))
                pending.add(task)
                task.add_done_callback(pending.discard)
                sent += 1
            await asyncio.sleep(max(0.0, start + sent / rate - loop.time()))
        if pending:
            await asyncio.wait(pending)
        return loop.time() - start

    async def closed_loop(self, connections: int, seconds: float) -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        deadline = start + seconds

        async def worker():
            # A shed cast's browser waits as its answer asks before it sends again.
            while loop.time() < deadline:
                wait = await self.fire(loop.time(), self.take())
                if wait:
                    await asyncio.sleep(min(wait, max(0.0, deadline - loop.time())))

        await asyncio.gather(*(worker() for _ in range(connections)))
        return loop.time() - start


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument("path")
    parser.add_argument("mode", choices=["open", "closed"])
    parser.add_argument("value", type=float)
    parser.add_argument("seconds", type=float)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--max-connections", type=int, default=32)
    args = parser.parse_args()
    port, mode, value, seconds = args.port, args.mode, args.value, args.seconds
    with open(args.path) as lines:
        requests = [encode(json.loads(line), port) for line in lines if line.strip()]
    slots = args.max_connections if mode == "open" else int(value)
    run = Run(port, requests, args.offset, slots)
    cpu = time.process_time()
    if mode == "open":
        elapsed = asyncio.run(run.open_loop(float(value), float(seconds)))
    else:
        elapsed = asyncio.run(run.closed_loop(int(value), float(seconds)))
    ordered = sorted(run.latencies)
    accepted = sorted(run.accepted)
    done = len(ordered)
    print(
        json.dumps(
            {
                "mode": mode,
                "value": float(value),
                "seconds": round(elapsed, 3),
                "completed": done,
                "per_s": round(done / elapsed, 1) if elapsed else 0.0,
                "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
                "errors": run.errors,
                "p50_ms": round(percentile(ordered, 0.50) * 1000, 2),
                "p95_ms": round(percentile(ordered, 0.95) * 1000, 2),
                "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
                "accepted_per_s": round(len(accepted) / elapsed, 1) if elapsed else 0.0,
                "p50_ms_accepted": round(percentile(accepted, 0.50) * 1000, 2),
                "p99_ms_accepted": round(percentile(accepted, 0.99) * 1000, 2),
                "client_cpu_s": round(time.process_time() - cpu, 2),
                "next_offset": run.next,
            }
        )
    )


if __name__ == "__main__":
    main()
