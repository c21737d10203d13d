/**
 * SHA-256 through the Web Crypto API (`crypto.subtle`), which Node (≥ 19) and browsers share:
 * browsers provide it in secure contexts only (https:// pages, and http://localhost).
 * @module
 */
import { DaleError } from '@dale/core';

/** Whether this runtime can hash with {@link sha256Hex}. */
export function canHash(): boolean {
  return typeof globalThis.crypto?.subtle?.digest === 'function';
}

/** The SHA-256 of `bytes` as 64 lowercase hex digits. */
export async function sha256Hex(bytes: Uint8Array, caller: string): Promise<string> {
  if (!canHash()) {
    throw new DaleError(
      'unsupported-environment',
      `${caller}: SHA-256 needs the Web Crypto API (crypto.subtle), which browsers provide only in secure contexts (https:// or http://localhost); this runtime has none`,
    );
  }
  // Checkpoint bytes live in ArrayBuffers (files, fetch responses, encodeSafetensors).
  const digest = new Uint8Array(
    await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>),
  );
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
