// The package from CommonJS (as Jest loads test files by default): require('xxb-mock').
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { startXxbMock } = require('xxb-mock');

test('require gives the same helpers', async () => {
  const xxb = await startXxbMock();
  try {
    assert.match(xxb.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await xxb.notifications(), []);
  } finally {
    await xxb.stop();
  }
});
