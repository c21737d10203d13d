/**
 * `@dale/models`.
 * @packageDocumentation
 */
export {};
