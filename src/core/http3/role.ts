/** Which end of an HTTP/3 connection a session is: `server` accepts requests, `client` opens them. */
export type Http3Role = 'server' | 'client';
