// Real proxies on 127.0.0.1 for the proxy tests (unit and integration layers), and the certificates
// they need, made at test time with the `openssl` CLI:
//   - `startSailFront`: "Sail on the internet" — an https server for the name `sail.test` (a
//     certificate from the "public" test CA) that forwards every request to a simulator.
//   - `startConnectProxy`: an HTTP CONNECT proxy (the `proxy` package), optionally demanding Basic
//     credentials (407), that maps `sail.test` to 127.0.0.1, so proxied traffic stays on loopback.
//   - `startInspectingProxy`: a corporate TLS-inspecting proxy: it answers CONNECT, then presents its
//     own certificate for the requested host, signed by the "corporate" CA, and forwards the
//     decrypted requests to the simulator.
//   - `startSocks5Proxy`: a SOCKS5 proxy (no auth, or user/password) that maps `sail.test` likewise.
//   - `startLoopbackFront`: the same front as `startSailFront`, for the name 127.0.0.1 (a loopback
//     base URL is always reached directly, so this is how a test makes a direct https connection).
//   `startConnectProxy({ tls })` is the CONNECT proxy spoken to over TLS (an `https://` proxy URL).
// The client never resolves a proxied host name itself, so `sail.test` needs no DNS entry.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import * as assert from 'node:assert/strict';
import { SailError } from '../../src/sail/errors';

export const SAIL_HOST = 'sail.test';

/** The credentials the proxy tests demand, and the Basic header that carries them. */
export const PROXY_CREDENTIALS = { user: 'proxy-user', password: 'proxy-secret-pw' };
export const PROXY_BASIC = `Basic ${Buffer.from(`${PROXY_CREDENTIALS.user}:${PROXY_CREDENTIALS.password}`).toString('base64')}`;

/** The SailError a call ends with (a call that succeeds fails the test). */
export async function sailFailure(promise: Promise<unknown>): Promise<SailError> {
  return promise.then(
    () => assert.fail('expected a SailError'),
    (e: unknown) => {
      assert.ok(e instanceof SailError, String(e));
      return e;
    },
  );
}

export interface Certificate {
  key: string;
  cert: string;
}

export interface TestPki {
  /** Stands in for a public root: the client trusts it only when a test says so. */
  publicCa: string;
  /** The corporate CA of the TLS-inspecting proxy, as an IT department installs it in the OS store. */
  corporateCa: string;
  /** `sail.test`, issued by the public CA: what Sail's real server presents. */
  sail: Certificate;
  /** `sail.test`, issued by the corporate CA: what the inspecting proxy presents instead. */
  sailInspected: Certificate;
  /** 127.0.0.1 and localhost, issued by the public CA: Sail on this machine, reached directly over https. */
  loopback: Certificate;
  /** 127.0.0.1, issued by the corporate CA: a corporate proxy spoken to over TLS (`https://` proxy URL). */
  loopbackCorporate: Certificate;
}

/** Two CAs and four leaf certificates (two for `sail.test`, two for 127.0.0.1), valid for two days, made with openssl. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'sail-pki-'));
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  try {
    const extensions = (name: string, subjectAltName: string): void =>
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${subjectAltName}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    extensions('named', `DNS:${SAIL_HOST}`);
    extensions('loopback', 'IP:127.0.0.1,DNS:localhost');
    const ca = (name: string, subject: string): void =>
      openssl(
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
        '-days',
        '2',
        '-subj',
        `/CN=${subject}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      );
    let serial = 0;
    const leaf = (name: string, issuer: string, kind: 'named' | 'loopback' = 'named'): Certificate => {
      openssl(
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${kind === 'named' ? SAIL_HOST : '127.0.0.1'}`,
      );
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${issuer}.pem`,
        '-CAkey',
        `${issuer}.key`,
        '-set_serial',
        // Unique per leaf, even for two made within the same millisecond.
        `${Date.now()}${serial++}`,
        '-days',
        '2',
        '-extfile',
        `${kind}.ext`,
        '-out',
        `${name}.pem`,
      );
      return { key: read(`${name}.key`), cert: read(`${name}.pem`) };
    };
    ca('public', 'Sail Test Public Root');
    ca('corporate', 'Sail Test Corporate Inspection CA');
    return {
      publicCa: read('public.pem'),
      corporateCa: read('corporate.pem'),
      sail: leaf('sail', 'public'),
      sailInspected: leaf('inspected', 'corporate'),
      loopback: leaf('loopback', 'public', 'loopback'),
      loopbackCorporate: leaf('loopback-corporate', 'corporate', 'loopback'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listen(server: Server | TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server | TcpServer, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) {
    socket.destroy();
  }
  if ('closeAllConnections' in server) {
    server.closeAllConnections();
  }
  await new Promise((resolve) => server.close(resolve));
}

function track(server: Server | TcpServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** Headers of one connection, not of the message: a forwarder must not pass them on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding']);

function endToEnd(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/** Forwards a request to the simulator at `upstream` (http://127.0.0.1:port), streaming both ways. */
function forward(upstream: URL, req: IncomingMessage, res: ServerResponse): void {
  const out = httpRequest(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...endToEnd(req.headers), host: upstream.host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
      answer.pipe(res);
    },
  );
  out.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  // A client that goes away mid-answer (a timeout test) leaves nothing running upstream.
  res.on('close', () => {
    if (!res.writableFinished) {
      out.destroy();
    }
  });
  req.pipe(out);
}

export interface SailFront {
  /** `https://sail.test:<port>/v1`: reachable only through a proxy that maps `sail.test` (or `https://127.0.0.1:<port>/v1`). */
  baseUrl: string;
  port: number;
  /** Requests received, with the Authorization header each carried. */
  seen: { authorization: string | undefined }[];
  close(): Promise<void>;
}

/** An https server for `sail.test` in front of a simulator (its base URL, http on 127.0.0.1). */
export async function startSailFront(simBaseUrl: string, certificate: Certificate): Promise<SailFront> {
  return startFront(simBaseUrl, certificate, SAIL_HOST);
}

/** The same front, named by its address: a client reaches `https://127.0.0.1:<port>/v1` directly. */
export async function startLoopbackFront(simBaseUrl: string, certificate: Certificate): Promise<SailFront> {
  return startFront(simBaseUrl, certificate, '127.0.0.1');
}

async function startFront(simBaseUrl: string, certificate: Certificate, name: string): Promise<SailFront> {
  const upstream = new URL(simBaseUrl);
  const seen: SailFront['seen'] = [];
  const server = createHttpsServer(certificate, (req, res) => {
    seen.push({ authorization: req.headers.authorization });
    forward(upstream, req, res);
  });
  const sockets = track(server);
  const port = await listen(server);
  return { baseUrl: `https://${name}:${port}/v1`, port, seen, close: () => close(server, sockets) };
}

export interface ProxyLog {
  /** CONNECT targets as asked, e.g. 'sail.test:443'. */
  connects: string[];
  /** Requests forwarded without a tunnel (plain http): their absolute URLs. */
  requests: string[];
  /** Authorization headers the proxy could read in forwarded requests. */
  authorizations: string[];
  /** Proxy-Authorization headers received, on CONNECT or forwarded requests (an empty one too). */
  proxyAuthorizations: string[];
}

function emptyLog(): ProxyLog {
  return { connects: [], requests: [], authorizations: [], proxyAuthorizations: [] };
}

export interface TestProxy {
  /** e.g. `http://127.0.0.1:40123` (`https://` for a proxy spoken to over TLS) */
  url: string;
  log: ProxyLog;
  /** Credentials the proxy demands (407 without them), or undefined for an open proxy. */
  credentials: { user: string; password: string } | undefined;
  /** Forgets the log and the credentials, and drops open tunnels, so the next request asks anew. */
  reset(): void;
  close(): Promise<void>;
}

function basic(credentials: { user: string; password: string }): string {
  return `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
}

function record(log: ProxyLog, req: IncomingMessage): void {
  if (req.method === 'CONNECT') {
    log.connects.push(req.url ?? '');
  } else {
    log.requests.push(req.url ?? '');
    if (req.headers.authorization) {
      log.authorizations.push(req.headers.authorization);
    }
  }
  const proxyAuthorization = req.headers['proxy-authorization'];
  if (proxyAuthorization !== undefined) {
    log.proxyAuthorizations.push(proxyAuthorization);
  }
}

/**
 * An HTTP proxy (CONNECT tunnels and plain forwarding) that reaches `sail.test` at 127.0.0.1. With
 * `tls`, the client speaks TLS to the proxy itself (an `https://` proxy URL), with that certificate.
 */
export async function startConnectProxy(options: { tls?: Certificate } = {}): Promise<TestProxy> {
  // `proxy` is an ES module and the tests are CommonJS, hence the dynamic import.
  const { createProxy } = await import('proxy');
  const log = emptyLog();
  const raw = options.tls ? createHttpsServer(options.tls) : createServer();
  // Runs before the proxy's own handler: log, then point `sail.test` at this machine.
  raw.prependListener('connect', (req: IncomingMessage) => {
    record(log, req);
    if (req.url?.startsWith(`${SAIL_HOST}:`)) {
      req.url = `127.0.0.1:${req.url.slice(SAIL_HOST.length + 1)}`;
    }
  });
  raw.prependListener('request', (req: IncomingMessage) => record(log, req));
  const server = createProxy(raw);
  const sockets = track(server);
  const port = await listen(server);
  const proxy: TestProxy = {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    log,
    credentials: undefined,
    reset() {
      Object.assign(log, emptyLog());
      proxy.credentials = undefined;
      for (const socket of sockets) {
        socket.destroy();
      }
    },
    close: () => close(server, sockets),
  };
  server.authenticate = (req) => !proxy.credentials || req.headers['proxy-authorization'] === basic(proxy.credentials);
  return proxy;
}

/**
 * A TLS-inspecting proxy: for every CONNECT it presents `certificate` (issued by the corporate CA)
 * to the client and sends the decrypted requests on to the simulator.
 */
export async function startInspectingProxy(simBaseUrl: string, certificate: Certificate): Promise<TestProxy> {
  const upstream = new URL(simBaseUrl);
  const log = emptyLog();
  const inner = createServer((req, res) => {
    if (req.headers.authorization) {
      log.authorizations.push(req.headers.authorization);
    }
    forward(upstream, req, res);
  });
  const server = createServer((req, res) => {
    record(log, req);
    res.writeHead(405).end();
  });
  const sockets = track(server);
  const innerSockets = track(inner);
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    record(log, req);
    if (proxy.credentials && req.headers['proxy-authorization'] !== basic(proxy.credentials)) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (head.length > 0) {
      socket.unshift(head);
    }
    // Wrapped in the same tick as the answer, so no byte of the client's TLS hello is missed.
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    const decrypted = new TLSSocket(socket, { isServer: true, ...certificate });
    decrypted.on('error', () => socket.destroy());
    inner.emit('connection', decrypted);
  });
  const port = await listen(server);
  const proxy: TestProxy = {
    url: `http://127.0.0.1:${port}`,
    log,
    credentials: undefined,
    reset() {
      Object.assign(log, emptyLog());
      proxy.credentials = undefined;
      for (const socket of sockets) {
        socket.destroy();
      }
    },
    async close() {
      await close(inner, innerSockets);
      await close(server, sockets);
    },
  };
  return proxy;
}

export interface Socks5Proxy {
  /** e.g. `socks5://127.0.0.1:40123` */
  url: string;
  /** CONNECT targets as asked, e.g. 'sail.test:443'. */
  connects: string[];
  /** Demanded user/password (RFC 1929), or undefined for no authentication. */
  credentials: { user: string; password: string } | undefined;
  close(): Promise<void>;
}

/** Reads exactly `n` bytes from a paused socket, buffering what arrives. */
function reader(socket: Socket): (n: number) => Promise<Buffer> {
  let buffered = Buffer.alloc(0);
  let waiting: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  const drain = (): void => {
    if (waiting && buffered.length >= waiting.n) {
      const { n, resolve } = waiting;
      waiting = undefined;
      const chunk = buffered.subarray(0, n);
      buffered = buffered.subarray(n);
      resolve(chunk);
    }
  };
  const onData = (data: Buffer): void => {
    buffered = Buffer.concat([buffered, data]);
    drain();
  };
  socket.on('data', onData);
  socket.on('close', () => waiting?.reject(new Error('closed')));
  return (n) =>
    new Promise<Buffer>((resolve, reject) => {
      waiting = { n, resolve, reject };
      drain();
    });
}

/** A SOCKS5 proxy (RFC 1928, CONNECT only) that reaches `sail.test` at 127.0.0.1. */
export async function startSocks5Proxy(): Promise<Socks5Proxy> {
  const proxy: Socks5Proxy = { url: '', connects: [], credentials: undefined, close: async () => {} };
  const server = createTcpServer((socket) => {
    void (async () => {
      const read = reader(socket);
      const [, methodCount] = await read(2);
      const methods = [...(await read(methodCount))];
      const wanted = proxy.credentials ? 0x02 : 0x00;
      if (!methods.includes(wanted)) {
        socket.end(Buffer.from([0x05, 0xff]));
        return;
      }
      socket.write(Buffer.from([0x05, wanted]));
      if (proxy.credentials) {
        const [, userLength] = await read(2);
        const user = (await read(userLength)).toString();
        const [passwordLength] = await read(1);
        const password = (await read(passwordLength)).toString();
        const ok = user === proxy.credentials.user && password === proxy.credentials.password;
        socket.write(Buffer.from([0x01, ok ? 0x00 : 0x01]));
        if (!ok) {
          socket.end();
          return;
        }
      }
      const [, command, , addressType] = await read(4);
      let host: string;
      if (addressType === 0x03) {
        const [length] = await read(1);
        host = (await read(length)).toString();
      } else if (addressType === 0x01) {
        host = [...(await read(4))].join('.');
      } else {
        socket.end(Buffer.from([0x05, 0x08, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
        return;
      }
      const port = (await read(2)).readUInt16BE(0);
      proxy.connects.push(`${host}:${port}`);
      if (command !== 0x01) {
        socket.end(Buffer.from([0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
        return;
      }
      const target = connect({ host: host === SAIL_HOST ? '127.0.0.1' : host, port }, () => {
        socket.removeAllListeners('data');
        socket.write(Buffer.from([0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0, 0]));
        socket.pipe(target);
        target.pipe(socket);
      });
      target.on('error', () => socket.end(Buffer.from([0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0])));
      socket.on('close', () => target.destroy());
    })().catch(() => socket.destroy());
  });
  const sockets = track(server);
  const port = await listen(server);
  proxy.url = `socks5://127.0.0.1:${port}`;
  proxy.close = () => close(server, sockets);
  return proxy;
}
