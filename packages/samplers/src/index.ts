/**
 * `@dale/samplers`.
 * @packageDocumentation
 */
export {};
