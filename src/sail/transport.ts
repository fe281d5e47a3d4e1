/**
 * How the client's requests leave the process: the client's own undici dispatcher (plain Node, the
 * tests, loopback targets, and the cases VS Code's network stack cannot serve), or a host-provided
 * `fetch` — in VS Code, the extension host's global fetch, which VS Code patches to apply the system
 * or PAC proxy, the OS certificate store, proxy authentication and `http.proxySupport`.
 * Both enforce the client's headers and body timeouts and fail with errors errorFromException maps.
 */
import type { Dispatcher } from 'undici';

export interface TransportRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Until the response headers arrive. */
  headersTimeoutMs: number;
  /** Longest silence while reading the body. */
  bodyTimeoutMs: number;
}

export interface TransportResponse {
  status: number;
  /** The first value of a response header, by lower-case name. */
  header(name: string): string | undefined;
  text: string;
}

export interface Transport {
  send(request: TransportRequest): Promise<TransportResponse>;
  /** Ends pooled connections once in-flight requests finish. */
  close(): Promise<void>;
}

/** The shape of the global `fetch`; the client passes only a URL string and a plain init. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export function dispatcherTransport(dispatcher: Dispatcher): Transport {
  return {
    async send(request) {
      const response = await dispatcher.request({
        origin: request.url.origin,
        path: request.url.pathname + request.url.search,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        headersTimeout: request.headersTimeoutMs,
        bodyTimeout: request.bodyTimeoutMs,
      });
      const text = await response.body.text();
      return {
        status: response.statusCode,
        header: (name) => {
          const value = response.headers[name];
          return Array.isArray(value) ? value[0] : value;
        },
        text,
      };
    },
    close: () => dispatcher.close(),
  };
}

/** An error shaped like undici's own timeouts, so both transports fail the same way. */
function timeoutError(code: 'UND_ERR_HEADERS_TIMEOUT' | 'UND_ERR_BODY_TIMEOUT', message: string): Error {
  return Object.assign(new Error(message), { name: 'TimeoutError', code });
}

/**
 * Requests through a fetch function. fetch has no headers or body timeout of its own, so both are
 * kept here with an AbortController whose reason is the timeout error; the caller's signal aborts
 * the same controller. Redirects are not followed, as with the dispatcher: a 3xx is Sail's answer.
 */
export function fetchTransport(fetchFn: FetchLike): Transport {
  return {
    async send(request) {
      const controller = new AbortController();
      const onAbort = (): void => controller.abort(request.signal?.reason);
      if (request.signal?.aborted) {
        onAbort();
      }
      request.signal?.addEventListener('abort', onAbort, { once: true });
      let timer = setTimeout(
        () => controller.abort(timeoutError('UND_ERR_HEADERS_TIMEOUT', `no response headers within ${request.headersTimeoutMs} ms`)),
        request.headersTimeoutMs,
      );
      try {
        const response = await fetchFn(request.url.href, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: controller.signal,
          redirect: 'manual',
        });
        clearTimeout(timer);
        let text = '';
        if (response.body) {
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          for (;;) {
            timer = setTimeout(
              () => controller.abort(timeoutError('UND_ERR_BODY_TIMEOUT', `the reply body was silent for ${request.bodyTimeoutMs} ms`)),
              request.bodyTimeoutMs,
            );
            const { done, value } = await reader.read();
            clearTimeout(timer);
            if (done) {
              break;
            }
            text += decoder.decode(value, { stream: true });
          }
          text += decoder.decode();
        }
        return { status: response.status, header: (name) => response.headers.get(name) ?? undefined, text };
      } finally {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
      }
    },
    // The host owns its connection pools.
    close: async () => {},
  };
}
