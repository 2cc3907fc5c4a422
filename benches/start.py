"""Process start to first answered request: `python3 benches/start.py BIN...` (default
target/release/xxb-mock).

Each binary is started 15 times on the default store and 15 times with `--db` on a new file; a
connection is tried every half millisecond until `GET /__inspect/health` answers 200. Prints the
median, fastest and slowest, with the load average (the machine may be shared), and appends them to
benches/results/start.txt. Target (SPEC section 8): <= 20 ms.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = 15


def once(binary, args):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    server = subprocess.Popen(
        [binary, "serve", "--port", str(port), "--quiet", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /__inspect/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    if s.recv(12).startswith(b"HTTP/1.1 200"):
                        return (time.perf_counter() - started) * 1000
            except OSError:
                time.sleep(0.0005)
    finally:
        server.terminate()
        server.wait()


def main():
    binaries = sys.argv[1:] or ["target/release/xxb-mock"]
    lines = [f"== {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, load {os.getloadavg()[0]:.2f} =="]
    with tempfile.TemporaryDirectory() as work:
        for n, binary in enumerate(binaries):
            for store in ("default store", "--db FILE"):
                times = sorted(
                    once(binary, [] if store == "default store" else ["--db", os.path.join(work, f"{n}-{i}.db")])
                    for i in range(RUNS)
                )
                lines.append(
                    f"{binary}, {store}: median {statistics.median(times):.1f} ms, "
                    f"fastest {times[0]:.1f}, slowest {times[-1]:.1f} (n={RUNS})"
                )
    os.makedirs("benches/results", exist_ok=True)
    with open("benches/results/start.txt", "a") as results:
        for line in lines:
            print(line)
            results.write(line + "\n")


if __name__ == "__main__":
    main()
