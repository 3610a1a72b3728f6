import { Readable } from 'node:stream';

/** The request body, either fully read (replayable for retries and mirrors) or still streaming. */
export type RequestBody = { readonly kind: 'buffered'; readonly data: Buffer } | { readonly kind: 'streaming'; readonly stream: Readable };

const EMPTY = Buffer.alloc(0);

/**
 * Reads the body into memory if it fits in `limit` bytes, so it can be sent more than once. A
 * larger body streams through instead (its first chunks replayed in front), without retries.
 */
export function readBody(source: Readable, limit: number, hasBody: boolean): Promise<RequestBody> {
  if (!hasBody || source.readableEnded) return Promise.resolve({ kind: 'buffered', data: EMPTY });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= limit) return;
      cleanup();
      source.pause();
      resolve({ kind: 'streaming', stream: replay(chunks, source) });
    };
    const onEnd = () => {
      cleanup();
      resolve({ kind: 'buffered', data: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', onError);
  });
}

function replay(head: Buffer[], rest: Readable): Readable {
  return Readable.from(
    (async function* () {
      yield* head;
      for await (const chunk of rest) yield chunk as Buffer;
    })(),
  );
}
