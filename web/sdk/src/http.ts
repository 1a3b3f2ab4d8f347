/**
 * The HTTP transport of the REST client: JSON in and out, `Authorization: Bearer`, non-2xx answers
 * turned into CohostError, an optional per-request timeout. Uses the global fetch (browsers,
 * Node >= 18) unless one is injected.
 */
import { CohostError } from './errors.js';

/** The fetch signature the SDK needs (the global one fits; tests may inject a counting wrapper). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
  baseUrl: string;
  token?: string | undefined;
  fetch?: FetchLike | undefined;
  /** Abort a request after this many ms (default 30,000; 0 = never). */
  timeoutMs?: number | undefined;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  headers?: Record<string, string>;
  /** Send without the bearer token (dev login). */
  anonymous?: boolean;
}

/** Removes a trailing slash so paths can be appended. */
export function normalizeBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** `/a/{x}` path segments: every dynamic part is percent-encoded. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

export class Http {
  readonly baseUrl: string;
  token: string | undefined;
  private readonly fetchFn: FetchLike;
  private readonly timeoutMs: number;

  constructor(opts: HttpOptions) {
    this.baseUrl = normalizeBaseUrl(opts.baseUrl);
    this.token = opts.token;
    if (!opts.fetch && typeof globalThis.fetch !== 'function') {
      throw new Error('cohost: no fetch available; pass the `fetch` option');
    }
    // The global fetch is called as a plain function (browsers throw "Illegal invocation" when it is
    // called as a method of another object).
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /**
   * One request. Resolves with the parsed JSON body (undefined for an empty body, e.g. `202`);
   * rejects with CohostError for a non-2xx answer, a network failure or a timeout.
   */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    let url = this.baseUrl + path;
    if (opts.query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.query)) {
        if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
      }
      const qs = params.toString();
      if (qs) url += `?${qs}`;
    }
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (!opts.anonymous && this.token) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const controller = this.timeoutMs > 0 ? new AbortController() : undefined;
    const timer = controller ? setTimeout(() => controller.abort(), this.timeoutMs) : undefined;
    let res: Response;
    let text: string;
    try {
      const init: RequestInit = { method, headers };
      if (body !== undefined) init.body = body;
      if (controller) init.signal = controller.signal;
      res = await this.fetchFn(url, init);
      text = await res.text();
    } catch (err) {
      if (controller?.signal.aborted) {
        throw new CohostError(0, 'timeout', `${method} ${path}: no answer within ${this.timeoutMs} ms`, {}, { cause: err });
      }
      const why = err instanceof Error ? err.message : String(err);
      throw new CohostError(0, 'network_error', `${method} ${path}: ${why}`, {}, { cause: err });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    if (res.status < 200 || res.status > 299) throw CohostError.fromResponse(res.status, text);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new CohostError(res.status, 'invalid_response', `${method} ${path}: the answer is not JSON`, {}, { cause: err });
    }
  }
}
