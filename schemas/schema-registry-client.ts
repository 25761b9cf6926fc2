import avro from 'avsc';
import { SluiceError } from '../core/errors.ts';

/** Where the registry is (config key `schemaRegistry`). Basic auth when username is set. */
export interface SchemaRegistryOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  requestTimeoutMs?: number;
}

/**
 * A small client of the Confluent Schema Registry REST API: look a writer schema up by id (cached
 * for the life of the process: ids are immutable) and register a schema under a subject.
 * An id the registry does not know resolves to `undefined`; transport failures throw retriable errors.
 */
export class SchemaRegistryClient {
  readonly #options: SchemaRegistryOptions;
  readonly #byId = new Map<number, avro.Type | null>();

  constructor(options: SchemaRegistryOptions) {
    this.#options = options;
  }

  /** The cached writer type of `id`: a Type, `null` when the registry said it does not exist, `undefined` when not fetched yet. */
  cached(id: number): avro.Type | null | undefined {
    return this.#byId.get(id);
  }

  async fetch(id: number): Promise<avro.Type | null> {
    const known = this.#byId.get(id);
    if (known !== undefined) return known;
    const response = await this.#request('GET', `/schemas/ids/${id}`);
    if (response.status === 404) {
      this.#byId.set(id, null);
      return null;
    }
    const body = (await response.json()) as { schema?: string; schemaType?: string };
    if (body.schemaType !== undefined && body.schemaType !== 'AVRO') {
      this.#byId.set(id, null);
      return null;
    }
    const type = avro.Type.forSchema(JSON.parse(body.schema ?? 'null') as avro.Schema);
    this.#byId.set(id, type);
    return type;
  }

  /** Registers (or finds) `schema` under `subject` and returns its id. */
  async register(subject: string, schema: avro.Schema): Promise<number> {
    const response = await this.#request('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
      schema: JSON.stringify(schema),
    });
    const body = (await response.json()) as { id?: number };
    if (typeof body.id !== 'number')
      throw new SluiceError(
        'SLUICE_CONFIG_INVALID',
        `schema registry: no id returned for subject "${subject}"`,
      );
    this.#byId.set(body.id, avro.Type.forSchema(schema));
    return body.id;
  }

  async #request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json' };
    if (body !== undefined) headers['content-type'] = 'application/vnd.schemaregistry.v1+json';
    if (this.#options.username) {
      headers.authorization = `Basic ${Buffer.from(`${this.#options.username}:${this.#options.password ?? ''}`).toString('base64')}`;
    }
    let response: Response;
    try {
      response = await fetch(new URL(path, this.#options.url), {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new SluiceError(
        'SLUICE_TRANSPORT_CLOSED',
        `schema registry ${this.#options.url} unreachable: ${(error as Error).message}`,
        {
          retriable: true,
          cause: error,
        },
      );
    }
    if (response.ok || response.status === 404) return response;
    throw new SluiceError(
      'SLUICE_TRANSPORT_CLOSED',
      `schema registry ${method} ${path}: HTTP ${response.status}`,
      {
        retriable: response.status >= 500 || response.status === 429,
      },
    );
  }
}
