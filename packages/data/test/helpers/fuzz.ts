import type { Rng } from '@dale/core';
import { expect } from 'vitest';
import { DatasetFormatError } from '../../src/index.ts';

/** A random mutation of `input`: bit flips, byte overwrites, big header values, cuts, inserts. */
export function mutate(input: Uint8Array, rng: Rng, headerBytes = 64): Uint8Array {
  const kind = rng.int(7);
  const bytes = Uint8Array.from(input);
  const at = (limit = bytes.length) => rng.int(Math.max(1, Math.min(limit, bytes.length)));
  switch (kind) {
    case 0: // flip 1-4 bits anywhere
      for (let i = rng.int(4) + 1; i > 0; i--) bytes[at()]! ^= 1 << rng.int(8);
      return bytes;
    case 1: // overwrite bytes in the header
      for (let i = rng.int(6) + 1; i > 0; i--) bytes[at(headerBytes)] = rng.int(256);
      return bytes;
    case 2: {
      // a large 32-bit value (either endianness) in the header: sizes, counts, offsets
      const pos = at(headerBytes);
      const value = [0xffffffff, 0x7fffffff, 0x10000000, rng.nextUint32()][rng.int(4)]!;
      for (let k = 0; k < 4 && pos + k < bytes.length; k++)
        bytes[pos + k] = (value >>> (8 * (rng.int(2) ? k : 3 - k))) & 0xff;
      return bytes;
    }
    case 3: // truncate
      return bytes.subarray(0, at());
    case 4: {
      // insert random bytes
      const pos = at();
      const extra = Uint8Array.from({ length: rng.int(16) + 1 }, () => rng.int(256));
      const out = new Uint8Array(bytes.length + extra.length);
      out.set(bytes.subarray(0, pos));
      out.set(extra, pos);
      out.set(bytes.subarray(pos), pos + extra.length);
      return out;
    }
    case 5: {
      // delete a range
      const pos = at();
      const length = Math.min(rng.int(32) + 1, bytes.length - pos);
      const out = new Uint8Array(bytes.length - length);
      out.set(bytes.subarray(0, pos));
      out.set(bytes.subarray(pos + length), pos);
      return out;
    }
    default: {
      // random bytes of a random length, keeping the first 0-8 bytes (the magic number)
      const keep = rng.int(9);
      return Uint8Array.from({ length: rng.int(2 * bytes.length + 1) }, (_, i) =>
        i < keep ? (bytes[i] ?? 0) : rng.int(256),
      );
    }
  }
}

/** Outcome counts of a fuzz run. */
export interface FuzzTally {
  ok: number;
  rejected: number;
  problems: Map<string, number>;
}

/**
 * Run `parse` on `cases` inputs from `make`; every input must parse or throw a
 * {@link DatasetFormatError} naming `file` — anything else fails the test with the input's case
 * number.
 */
export function fuzz(
  cases: number,
  make: (i: number) => Uint8Array,
  parse: (bytes: Uint8Array) => unknown,
  file: string,
): FuzzTally {
  const tally: FuzzTally = { ok: 0, rejected: 0, problems: new Map() };
  for (let i = 0; i < cases; i++) {
    const input = make(i);
    try {
      parse(input);
      tally.ok += 1;
    } catch (error) {
      if (!(error instanceof DatasetFormatError)) {
        expect.fail(
          `case ${i} (${input.length} bytes) escaped with ${(error as Error)?.name}: ${(error as Error)?.message}`,
        );
      }
      expect(error.file).toBe(file);
      expect(error.message.startsWith(`${file}: `)).toBe(true);
      tally.rejected += 1;
      const key = error.problem.replace(/[0-9a-f]{6,}|\d+/g, '#').slice(0, 60);
      tally.problems.set(key, (tally.problems.get(key) ?? 0) + 1);
    }
  }
  return tally;
}
