import type { Http2Session, Settings } from 'node:http2';

/**
 * HTTP/2 flow-control windows for every session the proxy opens or accepts. HTTP/2's 64 KB
 * default means a WINDOW_UPDATE round trip per 64 KB of a body, and one session between two
 * sidecars carries every stream between them at once, all sharing the connection's window.
 * Windows are only credit: nothing is allocated until a peer sends and the reader falls behind,
 * and a stream's window bounds what one slow stream can hold in memory.
 */
const STREAM_WINDOW_BYTES = 1024 * 1024;
const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;

/** SETTINGS for a session: the window each new stream starts with. */
export const HTTP2_SETTINGS: Settings = { initialWindowSize: STREAM_WINDOW_BYTES };

/** Widens the session's connection-level window, which SETTINGS cannot change. */
export function widenConnectionWindow(session: Http2Session): void {
  session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
}
