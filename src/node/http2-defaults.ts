/** Defaults shared by the HTTP/2 server and client (RFC 8441). */

/**
 * The session-level receive window, both sides: HTTP/2's own 64 KiB throttles many busy
 * WebSockets on one session (RFC 9113 §6.9), so every stream together may have 4 MiB in flight.
 */
export const DEFAULT_SESSION_WINDOW: number = 4 * 1024 * 1024;
