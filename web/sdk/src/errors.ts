/**
 * CohostError: every failure of an SDK call. Server refusals carry the API's HTTP status and
 * `{code, message, details}` (schema `Error` of docs/api/openapi.yaml); failures that never got an
 * answer have status 0 and code `network_error` (or `timeout`).
 */
export class CohostError extends Error {
  /** The HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** The API error code (`not_found`, `stage_full`, ...), or `network_error` / `timeout` / `http_<status>`. */
  readonly code: string;
  /** Structured facts about the refusal (`field`, `invitationId`, `maxCoHosts`, ...); `{}` when none. */
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CohostError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** True for failures worth retrying: no answer, 5xx, or a `conflict` from a concurrent change. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.code === 'conflict';
  }

  /** Builds the error of a non-2xx response from its status and (possibly unparsable) body text. */
  static fromResponse(status: number, bodyText: string): CohostError {
    let parsed: unknown;
    try {
      parsed = bodyText ? JSON.parse(bodyText) : undefined;
    } catch {
      parsed = undefined;
    }
    const err = (parsed as { error?: unknown } | undefined)?.error;
    if (err && typeof err === 'object') {
      const e = err as { code?: unknown; message?: unknown; details?: unknown };
      const code = typeof e.code === 'string' ? e.code : `http_${status}`;
      const message = typeof e.message === 'string' ? e.message : `HTTP ${status}`;
      const details = e.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : {};
      return new CohostError(status, code, message, details);
    }
    return new CohostError(status, `http_${status}`, `HTTP ${status}${bodyText ? `: ${bodyText.slice(0, 200)}` : ''}`);
  }
}

/** True when `e` is a CohostError with this code. */
export function isCohostError(e: unknown, code?: string): e is CohostError {
  return e instanceof CohostError && (code === undefined || e.code === code);
}
