// The ES module entry of the xxb-mock package: the same functions as index.js.
import xxbMock from './index.js';

export const { startXxbMock, withXxbMock, findBinary, XxbMock, APP_CODE, APP_KEY } = xxbMock;
export default xxbMock;
