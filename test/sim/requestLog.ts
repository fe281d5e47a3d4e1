// Every request the simulator received, as it arrived: method, path with query, headers (names as sent,
// repeats kept) and body. Lets a test see exactly what a client put on the wire — where its API key went,
// say — without a proxy in between. Admin requests (/__sim/) are the tests' own and are not recorded.

export interface LoggedRequest {
  method: string;
  /** The request target as sent, query included, e.g. `/v1/responses/resp_1?x=1`. */
  url: string;
  /** Header name/value pairs in the order received (from `rawHeaders`: case and repeats kept). */
  headers: [string, string][];
  /** The body as UTF-8 text; `null` when it was over the 256 MB limit or the client went away mid-body. */
  body: string | null;
}

export interface SimRequestLog {
  /** The requests kept, oldest first (copies: changing them changes nothing here). */
  entries(): LoggedRequest[];
  /** Requests dropped because more than `limit` arrived since the last clear. */
  dropped(): number;
  clear(): void;
}

/** Keeps the last `limit` requests, so a long benchmark does not grow without bound. */
export class RequestLog implements SimRequestLog {
  private readonly kept: LoggedRequest[] = [];
  private droppedCount = 0;

  constructor(private readonly limit = 10_000) {
    if (!(Number.isInteger(limit) && limit >= 0)) {
      throw new Error(`requestLogLimit must be a whole number ≥ 0 (got ${limit})`);
    }
  }

  record(method: string, url: string, rawHeaders: readonly string[], body: string | null): void {
    if (this.limit === 0) {
      this.droppedCount += 1;
      return;
    }
    const headers: [string, string][] = [];
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      headers.push([rawHeaders[i], rawHeaders[i + 1]]);
    }
    this.kept.push({ method, url, headers, body });
    if (this.kept.length > this.limit) {
      this.kept.shift();
      this.droppedCount += 1;
    }
  }

  entries(): LoggedRequest[] {
    return this.kept.map((r) => ({ ...r, headers: r.headers.map(([name, value]): [string, string] => [name, value]) }));
  }

  dropped(): number {
    return this.droppedCount;
  }

  clear(): void {
    this.kept.length = 0;
    this.droppedCount = 0;
  }
}
