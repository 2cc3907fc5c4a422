// The xxb-mock npm package, tested as a user meets it: installed, imported by name, with Node's test
// runner, against the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startXxbMock, withXxbMock, findBinary } from 'xxb-mock';

const notification = {
  users: ['lisi'],
  title: '部署完成',
  contentType: 'text',
  sender: { id: 'deploy', name: 'Deploy', avatar: 'https://deploy.example.com/logo.png' },
};

const post = async (url, body) => (await fetch(url, { method: 'POST', body: JSON.stringify(body) })).json();

test('a signed notification arrives', withXxbMock(async (xxb) => {
  assert.deepEqual(await post(xxb.sign('m=im&f=sendNotification&code=myAppCode'), notification), { result: 'success', message: '' });
  const [arrived] = await xxb.waitFor({ count: 1, user: 'lisi', timeoutMs: 5000 });
  assert.equal(arrived.title, '部署完成');
  assert.deepEqual((await xxb.notifications({ user: 'lisi' })).map((n) => n.seq), [arrived.seq]);
  assert.deepEqual(await xxb.notifications({ user: 'zhangsan' }), []);
}));

test('the docs example group lists its members, PHP-encoded', withXxbMock(async (xxb) => {
  const answer = await fetch(xxb.sign('m=im&f=getChatUsers&gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&code=myAppCode'));
  assert.equal(
    await answer.text(),
    '{"result":"success","data":{"1":"\\u7ba1\\u7406\\u5458","3":"\\u5f20\\u4e09","4":"\\u674e\\u56db"}}',
  );
}));

test('a wait that times out says what was rejected and why', withXxbMock(async (xxb) => {
  const { sender, ...withoutSender } = notification;
  assert.equal((await post(xxb.sign('m=im&f=sendNotification&code=myAppCode'), withoutSender)).result, 'fail');
  await assert.rejects(xxb.waitFor({ count: 1, user: 'lisi', timeoutMs: 200 }), (error) => {
    assert.match(error.message, /0 of 1 arrived/);
    assert.match(error.message, /missing_sender/);
    return true;
  });
  assert.equal((await xxb.requests({ outcome: 'rejected' }))[0].findings[0].code, 'missing_sender');
}));

test('serve arguments are passed on', withXxbMock(async (xxb) => {
  // Strict mode rejects an unknown user; faithful mode, like the real server, drops it and succeeds.
  const body = { ...notification, users: ['lisi', 'nobody'] };
  assert.equal((await post(xxb.sign('m=im&f=sendNotification&code=myAppCode'), body)).result, 'success');
}, { args: ['--validation', 'faithful'] }));

test('reset empties notifications and journal', withXxbMock(async (xxb) => {
  await post(xxb.sign('m=im&f=sendNotification&code=myAppCode'), notification);
  await xxb.reset();
  assert.deepEqual(await xxb.notifications(), []);
  assert.deepEqual(await xxb.requests(), []);
}));

test('stop ends the server', async () => {
  const xxb = await startXxbMock();
  assert.equal((await fetch(`${xxb.url}/__inspect/health`)).status, 200);
  await xxb.stop();
  await xxb.stop();
  await assert.rejects(fetch(`${xxb.url}/__inspect/health`));
});

test('a server that cannot start says why', async () => {
  await assert.rejects(startXxbMock({ args: ['--fixtures', '/no-such-fixture-directory'] }), /fixtures/);
});

test('the release binary of a clone is found from below it', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xxb-mock-find-'));
  const binary = path.join(root, 'target', 'release', process.platform === 'win32' ? 'xxb-mock.exe' : 'xxb-mock');
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  fs.writeFileSync(binary, '');
  fs.mkdirSync(path.join(root, 'examples'));
  const cwd = process.cwd();
  const given = process.env.XXB_MOCK_BIN;
  t.after(() => {
    process.chdir(cwd);
    process.env.XXB_MOCK_BIN = given;
    fs.rmSync(root, { recursive: true });
  });
  process.chdir(path.join(root, 'examples'));
  delete process.env.XXB_MOCK_BIN;
  assert.equal(fs.realpathSync(findBinary()), fs.realpathSync(binary));
  process.env.XXB_MOCK_BIN = '/opt/xxb-mock';
  assert.equal(findBinary(), '/opt/xxb-mock');
});
