import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/**
 * Reads the first chunk a client sends and puts it back, so the connection can be dispatched on it
 * (TLS ClientHello, HTTP/2 preface). Resolves undefined if the client sends nothing in time.
 */
export function peekFirstChunk(socket: Socket, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const done = (chunk: Buffer | undefined) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(chunk);
    };
    const onData = (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      done(chunk);
    };
    const onClose = () => done(undefined);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** A TLS ClientHello starts with a handshake record (content type 22). */
export const isTlsClientHello = (chunk: Buffer) => chunk[0] === 0x16;

/** HTTP/2 with prior knowledge (h2c) starts with the connection preface. */
export const isHttp2Preface = (chunk: Buffer) => chunk.length >= 4 && chunk.toString('latin1', 0, 4) === 'PRI ';

/**
 * Wraps a socket whose first bytes were put back into a plain Duplex. TLS over a net.Socket reads
 * the native handle directly and would skip the bytes put back; over a Duplex it reads the stream.
 */
export function replayingDuplex(socket: Socket): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.once('end', () => duplex.push(null));
  socket.once('error', (error) => duplex.destroy(error));
  socket.once('close', () => duplex.destroy());
  return duplex;
}
