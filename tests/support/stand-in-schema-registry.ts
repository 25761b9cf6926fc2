import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The two Confluent Schema Registry endpoints Sluice calls (GET /schemas/ids/:id, POST
 * /subjects/:subject/versions), in memory. No Confluent-compatible registry installs from the
 * package registries this project can reach, so wire-format tests run against this stand-in.
 */
export async function startStandInRegistry(): Promise<{
  url: string;
  register(schema: unknown): number;
  close(): Promise<void>;
  lookups: () => number;
}> {
  const schemas: string[] = [];
  let lookups = 0;
  const register = (schema: string) => {
    const existing = schemas.indexOf(schema);
    if (existing >= 0) return existing + 1;
    schemas.push(schema);
    return schemas.length;
  };
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(body));
    };
    const byId = /^\/schemas\/ids\/(\d+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && byId) {
      lookups++;
      const schema = schemas[Number(byId[1]) - 1];
      return schema ? send(200, { schema }) : send(404, { error_code: 40403, message: 'Schema not found' });
    }
    if (req.method === 'POST' && /^\/subjects\/[^/]+\/versions$/.test(req.url ?? '')) {
      let text = '';
      req.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      req.on('end', () => send(200, { id: register((JSON.parse(text) as { schema: string }).schema) }));
      return;
    }
    send(404, { error_code: 404, message: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    register: (schema) => register(JSON.stringify(schema)),
    lookups: () => lookups,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
