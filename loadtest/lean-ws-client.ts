/**
 * A WebSocket client for load tests that costs as little per frame as this process can make it:
 * a plain TCP socket, the upgrade written by hand, and server frames scanned in place as bytes
 * (no per-frame events, string decoding or UTF-8 validation, unlike `ws`). With a thousand
 * subscribers on the same 2 cores as the server, the `ws` clients cost more CPU than the server
 * they measured, so the benchmark measured them. Only what a subscriber needs: text frames from
 * the server, one masked text frame to it, and the close code.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** What a lean client reports: each text frame's payload, in place, valid only during the call. */
export interface LeanHandlers {
  onFrame(payload: Buffer, start: number, end: number): void;
  onClose?(code: number): void;
}

const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;

export class LeanWsClient {
  readonly socket: net.Socket;
  #pending: Buffer | null = null;
  #upgraded = false;
  #closeCode = 1006;

  private constructor(socket: net.Socket, handlers: LeanHandlers) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.#read(chunk, handlers));
    socket.on('close', () => handlers.onClose?.(this.#closeCode));
    socket.on('error', () => {});
  }

  /** Connects and upgrades; resolves once the server has switched protocols. */
  static connect(port: number, path: string, handlers: LeanHandlers): Promise<LeanWsClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      const client = new LeanWsClient(socket, handlers);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      client.#onUpgrade = () => resolve(client);
    });
  }

  #onUpgrade: () => void = () => {};

  /** Sends one text frame (masked, as a client must). */
  sendText(text: string): void {
    const payload = Buffer.from(text);
    if (payload.length > 125) throw new Error('lean client: frames over 125 bytes are not needed here');
    const mask = randomBytes(4);
    const frame = Buffer.allocUnsafe(6 + payload.length);
    frame[0] = 0x80 | OP_TEXT;
    frame[1] = 0x80 | payload.length;
    mask.copy(frame, 2);
    for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i & 3]!;
    this.socket.write(frame);
  }

  /** Stops reading (the kernel's buffers fill and the server sees backpressure). */
  pause(): void {
    this.socket.pause();
  }

  destroy(): void {
    this.socket.destroy();
  }

  #read(chunk: Buffer, handlers: LeanHandlers): void {
    const buffer = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = null;
    let at = 0;
    if (!this.#upgraded) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) {
        this.#pending = buffer;
        return;
      }
      if (!buffer.subarray(0, 12).toString().includes('101')) {
        this.socket.destroy(new Error(`upgrade refused: ${buffer.subarray(0, end).toString()}`));
        return;
      }
      this.#upgraded = true;
      at = end + 4;
      this.#onUpgrade();
    }
    while (buffer.length - at >= 2) {
      const opcode = buffer[at]! & 0x0f;
      let length = buffer[at + 1]! & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buffer.length - at < 4) break;
        length = buffer.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (buffer.length - at < 10) break;
        length = Number(buffer.readBigUInt64BE(at + 2));
        header = 10;
      }
      if (buffer.length - at < header + length) break;
      const start = at + header;
      if (opcode === OP_TEXT) handlers.onFrame(buffer, start, start + length);
      else if (opcode === OP_CLOSE && length >= 2) this.#closeCode = buffer.readUInt16BE(start);
      at = start + length;
    }
    if (at < buffer.length) this.#pending = buffer.subarray(at);
  }
}
