/**
 * Child process of close-frees-the-port.test.ts: starts a server, connects a subscriber and a
 * keep-alive HTTP client, closes the server and then simply returns. If anything still holds
 * the event loop the process does not exit, and the test times it out.
 */
import { Agent, get } from 'node:http';
import { startTestServer, TestClient } from './live-server-harness.ts';

const server = await startTestServer();
server.get('/healthz', () => ({ status: 200, contentType: 'text/plain', body: 'ok' }));
const client = await TestClient.connect(server.port);
await client.subscribe('predictions');
const agent = new Agent({ keepAlive: true });
await new Promise<void>((resolve) => {
  get({ host: '127.0.0.1', port: server.port, path: '/healthz', agent }, (res) => {
    res.resume();
    res.on('end', resolve);
  });
});
await server.close();
process.stdout.write('closed\n');
