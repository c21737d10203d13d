/** Error raised by dale for invalid configuration or input; `code` is stable for programs to test. */
export class DaleError extends Error {
  /** A short machine-readable reason, e.g. `'invalid-schedule'` or `'backend-unavailable'`. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DaleError';
    this.code = code;
  }
}
