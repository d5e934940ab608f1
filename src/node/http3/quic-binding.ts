/**
 * The native QUIC stack: quiche's N-API binding shipped prebuilt by the optional peer
 * dependency `@matrixai/quic` (its `linux-x64`, `darwin-*` and `win32-x64` packages carry the
 * compiled `.node` file; nothing is downloaded or built on install).
 *
 * Only the binding is loaded (`@matrixai/quic/native/quiche.js`), never the package's
 * promise-and-web-stream wrapper: wirekit drives the binding itself over `node:dgram`. The
 * interfaces below describe the subset of the binding wirekit calls, so that wirekit's own
 * declarations never name the optional package. Nothing here runs until a caller asks for
 * HTTP/3; when the package is missing, {@link loadQuicBinding} throws `ERR_HTTP3_UNAVAILABLE`
 * with the install command.
 */
import { ErrorCode, WirekitError } from '../../core/errors.js';

/** The package that ships the QUIC stack (an optional peer dependency of wirekit). */
export const QUIC_PACKAGE = '@matrixai/quic';

/** How to install it, quoted in the `ERR_HTTP3_UNAVAILABLE` message. */
export const QUIC_INSTALL: string = `npm install ${QUIC_PACKAGE}`;

/** A host and port as the binding takes and gives them. */
export interface QuicHostPort {
  host: string;
  port: number;
}

/** Where a datagram came from and went to (the binding parses both on every call). */
export interface QuicRecvInfo {
  from: QuicHostPort;
  to: QuicHostPort;
}

/** A connection error as quiche reports it (RFC 9000 §19.19 CONNECTION_CLOSE). */
export interface QuicheConnectionError {
  readonly isApp: boolean;
  readonly errorCode: number;
  readonly reason: Uint8Array;
}

/** quiche's configuration object (transport parameters, TLS context, ALPN). */
export interface QuicheConfig {
  setApplicationProtos(protos: string[]): void;
  setMaxIdleTimeout(ms: number): void;
  setMaxRecvUdpPayloadSize(size: number): void;
  setMaxSendUdpPayloadSize(size: number): void;
  setInitialMaxData(v: number): void;
  setInitialMaxStreamDataBidiLocal(v: number): void;
  setInitialMaxStreamDataBidiRemote(v: number): void;
  setInitialMaxStreamDataUni(v: number): void;
  setInitialMaxStreamsBidi(v: number): void;
  setInitialMaxStreamsUni(v: number): void;
  setDisableActiveMigration(v: boolean): void;
  setMaxStreamWindow(v: number): void;
  setMaxConnectionWindow(v: number): void;
  grease(v: boolean): void;
}

/** One quiche connection: packets in and out, stream reads and writes, timers. */
export interface QuicheConnection {
  recv(data: Uint8Array, info: QuicRecvInfo): number;
  send(data: Uint8Array): [number, unknown] | null;
  streamRecv(streamId: number, data: Uint8Array): [number, boolean] | null;
  streamSend(streamId: number, data: Uint8Array, fin: boolean): number | null;
  streamShutdown(streamId: number, direction: number, err: number): void;
  streamCapacity(streamId: number): number;
  streamReadable(streamId: number): boolean;
  peerStreamsLeftBidi(): number;
  peerStreamsLeftUni(): number;
  readable(): Iterable<number>;
  writable(): Iterable<number>;
  isReadable(): boolean;
  timeout(): number | null;
  onTimeout(): void;
  close(app: boolean, err: number, reason: Uint8Array): void;
  applicationProto(): Uint8Array;
  peerCertChain(): Uint8Array[] | null;
  isEstablished(): boolean;
  isDraining(): boolean;
  isClosed(): boolean;
  isTimedOut(): boolean;
  peerError(): QuicheConnectionError | null;
  localError(): QuicheConnectionError | null;
  stats(): { readonly recv: number; readonly sent: number; readonly lost: number };
}

/** A parsed QUIC packet header (RFC 9000 §17). */
export interface QuicheHeader {
  readonly ty: number;
  readonly version: number;
  readonly dcid: Uint8Array;
  readonly scid: Uint8Array;
}

/** The binding's module object. */
export interface QuicBinding {
  readonly MAX_CONN_ID_LEN: number;
  readonly MIN_CLIENT_INITIAL_LEN: number;
  readonly MAX_DATAGRAM_SIZE: number;
  readonly Config: {
    withBoringSslCtx(
      verifyPeer: boolean,
      verifyAllowFail: boolean,
      ca: Uint8Array | null,
      key: Uint8Array[] | null,
      cert: Uint8Array[] | null,
      sigalgs: string | null,
    ): QuicheConfig;
  };
  readonly Connection: {
    connect(
      serverName: string | null,
      scid: Uint8Array,
      local: QuicHostPort,
      remote: QuicHostPort,
      config: QuicheConfig,
    ): QuicheConnection;
    accept(
      scid: Uint8Array,
      odcid: Uint8Array | null,
      local: QuicHostPort,
      remote: QuicHostPort,
      config: QuicheConfig,
    ): QuicheConnection;
  };
  readonly Header: { fromSlice(data: Uint8Array, dcidLength: number): QuicheHeader };
  versionIsSupported(version: number): boolean;
  negotiateVersion(scid: Uint8Array, dcid: Uint8Array, out: Uint8Array): number;
}

/** quiche's `Shutdown` directions. */
export const QuicShutdown = { READ: 0, WRITE: 1 } as const;

/** quiche's packet types (`Header.ty`). */
export const QuicPacketType = { INITIAL: 0 } as const;

let loaded: Promise<QuicBinding> | undefined;

/**
 * Load the binding once (later calls share the first load). Throws `ERR_HTTP3_UNAVAILABLE`
 * naming the install command when `@matrixai/quic` is missing or its native part for this
 * platform does not load.
 *
 * @internal `specifier` replaces the module to load (tests of the missing-package path).
 */
export function loadQuicBinding(specifier?: string): Promise<QuicBinding> {
  if (specifier !== undefined) return importBinding(specifier);
  loaded ??= importBinding(`${QUIC_PACKAGE}/native/quiche.js`);
  return loaded;
}

async function importBinding(specifier: string): Promise<QuicBinding> {
  try {
    const module = (await import(specifier)) as { default: QuicBinding };
    return module.default;
  } catch (error) {
    loaded = undefined;
    throw new WirekitError(
      ErrorCode.HTTP3_UNAVAILABLE,
      `HTTP/3 needs the optional peer dependency ${QUIC_PACKAGE} (a native QUIC stack), which ` +
        `does not load here (${error instanceof Error ? error.message : String(error)}); ` +
        `install it with: ${QUIC_INSTALL}`,
      { cause: error },
    );
  }
}
