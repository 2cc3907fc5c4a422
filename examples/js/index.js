// Start xxb-mock, a test double of the XXB (喧喧) server's integration API, from JavaScript tests.
//
// `startXxbMock()` runs the xxb-mock binary on a free port with its own in-memory state; `withXxbMock(fn)`
// wraps a test function so that it gets a server of its own, stopped afterwards, in any test runner
// (node:test, Jest, Vitest). No dependencies: Node's child_process and fetch.
'use strict';

const { spawn, execFileSync } = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const path = require('node:path');
const { createInterface } = require('node:readline');

/** The application of the default fixtures, as in the XXB docs. */
const APP_CODE = 'myAppCode';
const APP_KEY = '3cd0914d656e90ab181f1d52ff352cfe';
const EXE = process.platform === 'win32' ? 'xxb-mock.exe' : 'xxb-mock';
const LISTENING = 'xxb-mock listening on ';

/**
 * The xxb-mock binary: $XXB_MOCK_BIN, else target/release/xxb-mock in the current directory or one
 * above it, else xxb-mock on PATH.
 */
function findBinary() {
  if (process.env.XXB_MOCK_BIN) return process.env.XXB_MOCK_BIN;
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'target', 'release', EXE);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, EXE);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error('xxb-mock binary not found: set XXB_MOCK_BIN, build it in a clone of the repository with '
    + '`cargo build --release` (target/release/xxb-mock), or install it with `cargo install --locked --path .`');
}

class XxbMock {
  constructor(child, url, binary) {
    this.child = child;
    /** `http://127.0.0.1:PORT` */
    this.url = url;
    this.binary = binary;
    this.code = APP_CODE;
    this.key = APP_KEY;
  }

  /** The URL of `/x.php?QUERY` with its token, as the server computes it (`xxb-mock sign`). */
  sign(query, key = APP_KEY) {
    return execFileSync(this.binary, ['sign', '--key', key, `${this.url}/x.php?${query}`], { encoding: 'utf8' }).trim();
  }

  /** The stored notifications (`/__inspect/notifications`), oldest first; filters as in the API. */
  async notifications(filters = {}) {
    return (await this.#get('notifications', filters)).items;
  }

  /** The journal (`/__inspect/requests`): every request to the emulated API, with findings. */
  async requests(filters = {}) {
    return (await this.#get('requests', filters)).items;
  }

  /** Back to the fixtures: notifications and journal emptied. */
  async reset() {
    const response = await fetch(`${this.url}/__inspect/reset`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
    });
    if (!response.ok) throw new Error(`reset answered HTTP ${response.status}`);
  }

  /**
   * Waits until `count` notifications match the filters and returns them; on time-out, throws with
   * what did arrive and the rejected requests with their findings.
   */
  async waitFor({ count = 1, timeoutMs = 5000, ...filters } = {}) {
    const query = new URLSearchParams({ ...filters, count: String(count), timeout_ms: String(timeoutMs) });
    const response = await fetch(`${this.url}/__inspect/wait?${query}`);
    const page = await response.json();
    if (response.status === 200) return page.items;
    if (response.status !== 408) throw new Error(`/__inspect/wait answered HTTP ${response.status}: ${JSON.stringify(page)}`);
    const lines = [`waited ${timeoutMs} ms for ${count} notification(s) matching ${JSON.stringify(filters)}: ${page.items.length} of ${count} arrived.`];
    const stored = await this.notifications({ order: 'desc', limit: 10 });
    lines.push(`latest stored notifications (${stored.length}):`);
    for (const n of stored) lines.push(`  #${n.seq} ${n.title} to ${JSON.stringify(n.recipients.map((r) => r.account))} in ${n.cgid}`);
    const rejected = await this.requests({ outcome: 'rejected', order: 'desc', limit: 10 });
    lines.push(`latest rejected requests (${rejected.length}):`);
    for (const entry of rejected) {
      lines.push(`  #${entry.seq} ${entry.http_method} ${entry.query} -> ${entry.response}`);
      for (const f of entry.findings) lines.push(`      [${f.severity}] ${f.code}: ${f.message}`);
    }
    throw new Error(lines.join('\n'));
  }

  /** Stops the server (SIGTERM) and resolves once it has exited. Stopping twice is harmless. */
  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
  }

  async #get(resource, filters) {
    const response = await fetch(`${this.url}/__inspect/${resource}?${new URLSearchParams(filters)}`);
    if (!response.ok) throw new Error(`/__inspect/${resource} answered HTTP ${response.status}: ${await response.text()}`);
    return response.json();
  }
}

// `await using server = await startXxbMock()` where the runtime knows explicit resource management.
if (Symbol.asyncDispose) XxbMock.prototype[Symbol.asyncDispose] = function dispose() { return this.stop(); };

/**
 * Runs `xxb-mock serve --port 0 ...args` and resolves once it listens.
 * @param {{args?: string[], binary?: string}} [options]
 */
async function startXxbMock({ args = [], binary = findBinary() } = {}) {
  const child = spawn(binary, ['serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { log += chunk; });
  const lines = createInterface({ input: child.stdout });
  const first = new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('error', reject);
    child.once('exit', (code) => setImmediate(() => reject(new Error(`xxb-mock did not start (exit status ${code}): ${log.trim()}`))));
  });
  const line = await first;
  if (!line.startsWith(LISTENING)) {
    child.kill();
    throw new Error(`xxb-mock did not start: ${line}`);
  }
  // Keep reading, so the server never blocks on a full pipe.
  child.stdout.resume();
  return new XxbMock(child, line.slice(LISTENING.length).trim(), binary);
}

/**
 * Wraps a test function: it is called with a server of its own (then the runner's arguments), which is
 * stopped afterwards, whatever the outcome. `test('...', withXxbMock(async (xxb) => { ... }))`.
 */
function withXxbMock(fn, options) {
  return async (...args) => {
    const server = await startXxbMock(options);
    try {
      return await fn(server, ...args);
    } finally {
      await server.stop();
    }
  };
}

module.exports = { startXxbMock, withXxbMock, findBinary, XxbMock, APP_CODE, APP_KEY };
