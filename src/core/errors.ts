// The one error hierarchy: each AppError carries an HTTP status and a stable code clients can switch on.

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    /** Extra JSON fields for the response body (e.g. field errors). */
    readonly extra: Record<string, unknown> = {},
    /** Extra response headers (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export class BadRequestError extends AppError {
  constructor(detail = 'Bad request', code = 'bad_request') {
    super(400, code, detail);
    this.name = 'BadRequestError';
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'Not authenticated', code = 'unauthorized') {
    super(401, code, detail);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'Forbidden', code = 'forbidden') {
    super(403, code, detail);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends AppError {
  constructor(detail = 'Not found', code = 'not_found') {
    super(404, code, detail);
    this.name = 'NotFoundError';
  }
}

export class MethodNotAllowedError extends AppError {
  constructor(allowed: string[]) {
    super(405, 'method_not_allowed', 'Method not allowed', {}, { Allow: allowed.join(', ') });
    this.name = 'MethodNotAllowedError';
  }
}

export class ConflictError extends AppError {
  constructor(detail = 'Conflict', code = 'conflict') {
    super(409, code, detail);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `Request body exceeds ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(expected = 'application/json') {
    super(415, 'unsupported_media_type', `Content-Type must be ${expected}`);
    this.name = 'UnsupportedMediaTypeError';
  }
}

export type FieldError = { field: string; message: string };

export class ValidationError extends AppError {
  constructor(readonly fields: FieldError[]) {
    super(422, 'validation_error', 'Request validation failed', { errors: fields });
    this.name = 'ValidationError';
  }
}

export class TooManyRequestsError extends AppError {
  constructor(retryAfterSeconds: number, detail = 'Too many requests', code = 'too_many_requests') {
    super(429, code, detail, {}, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
    this.name = 'TooManyRequestsError';
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(
    detail = 'Service temporarily unavailable',
    code = 'service_unavailable',
    retryAfterSeconds = 5,
  ) {
    super(503, code, detail, {}, { 'Retry-After': String(retryAfterSeconds) });
    this.name = 'ServiceUnavailableError';
  }
}
