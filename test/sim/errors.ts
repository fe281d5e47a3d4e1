// Sail's error envelope (OpenAPI `ErrorResponse`) and the one exception type the handlers throw.

export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class SimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function badRequest(param: string | null, message: string, code: string | null = null): SimError {
  return new SimError(400, message, 'invalid_request_error', param, code);
}

export function notFound(message: string): SimError {
  return new SimError(404, message, 'invalid_request_error');
}

export function invalidApiKey(): SimError {
  return new SimError(401, 'Invalid API key', 'invalid_request_error', null, 'invalid_api_key');
}

const serverErrorMessages: Record<number, string> = {
  429: 'Rate limit reached (simulated); retry after the Retry-After delay',
  500: 'Internal server error (simulated)',
  502: 'Upstream proxy error',
  404: 'Response not found',
  409: 'A request with this idempotency key is already in progress (simulated)',
  503: 'Service unavailable (simulated)',
  504: 'Timed out waiting for completion',
};

/** `retryAfter` is the Retry-After header's value, verbatim (absent when undefined). */
export function injectedError(status: number, retryAfter: string | undefined): SimError {
  const headers: Record<string, string> = retryAfter === undefined ? {} : { 'retry-after': retryAfter };
  const type = status === 429 ? 'rate_limit_error' : status < 500 ? 'invalid_request_error' : 'server_error';
  return new SimError(status, serverErrorMessages[status] ?? `HTTP ${status} (simulated)`, type, null, null, headers);
}

/** A second POST under an Idempotency-Key whose first request Sail is still handling (`inFlightDuplicates: 'conflict'`). */
export function keyInFlight(): SimError {
  return new SimError(
    409,
    'A request with this Idempotency-Key is still being processed. Retry it later with the same key.',
    'invalid_request_error',
    null,
    'idempotency_key_in_use',
  );
}

/** An error that quotes the caller's token back (the `echo_key` fault): what a careless server or proxy sends. */
export function echoedKeyError(status: number, authorization: string | undefined): SimError {
  const token = /^Bearer\s+(.*)$/i.exec(authorization ?? '')?.[1] ?? authorization ?? '';
  const type = status === 400 ? 'invalid_request_error' : 'authentication_error';
  return new SimError(status, `Incorrect API key provided: ${token}. You can find your API key in your account settings.`, type, null, 'invalid_api_key');
}
