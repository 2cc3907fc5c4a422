// A client test in JavaScript (Node's built-in test runner and fetch) against the xxb-mock binary.
//
// Run: XXB_MOCK_BIN=target/debug/xxb-mock node --test examples/js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const KEY = '3cd0914d656e90ab181f1d52ff352cfe';
const md5 = (text) => createHash('md5').update(text).digest('hex');
// token = md5(md5(query) + key), the query as PHP's http_build_query re-encodes it.
const sign = (query, key = KEY) => `${query}&token=${md5(md5(query) + key)}`;

async function startXxbMock() {
  const binary = process.env.XXB_MOCK_BIN ?? 'target/debug/xxb-mock';
  const child = spawn(binary, ['serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const [line] = await once(lines, 'line');
  assert.match(line, /^xxb-mock listening on http:\/\/127\.0\.0\.1:\d+$/);
  return { url: line.replace('xxb-mock listening on ', ''), stop: () => child.kill('SIGTERM') };
}

test('a signed notification arrives', async () => {
  const server = await startXxbMock();
  try {
    const body = {
      users: ['lisi'],
      title: '部署完成',
      contentType: 'text',
      sender: { id: 'deploy', name: 'Deploy', avatar: 'https://deploy.example.com/logo.png' },
    };
    const sent = await fetch(`${server.url}/x.php?${sign('m=im&f=sendNotification&code=myAppCode')}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.deepEqual(await sent.json(), { result: 'success', message: '' });

    const waited = await fetch(`${server.url}/__inspect/wait?count=1&user=lisi&timeout_ms=5000`);
    assert.equal(waited.status, 200);
    const page = await waited.json();
    assert.equal(page.items[0].title, '部署完成');
  } finally {
    server.stop();
  }
});

test('the docs example group lists its members, PHP-encoded', async () => {
  const server = await startXxbMock();
  try {
    const query = sign('m=im&f=getChatUsers&gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&code=myAppCode');
    const answer = await fetch(`${server.url}/x.php?${query}`);
    assert.equal(
      await answer.text(),
      '{"result":"success","data":{"1":"\\u7ba1\\u7406\\u5458","3":"\\u5f20\\u4e09","4":"\\u674e\\u56db"}}',
    );
  } finally {
    server.stop();
  }
});
