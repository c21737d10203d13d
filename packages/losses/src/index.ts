/**
 * `@dale/losses`.
 * @packageDocumentation
 */
export {};
