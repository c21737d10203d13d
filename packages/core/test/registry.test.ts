import { describe, expect, it } from 'vitest';
import { createRegistry, DaleError } from '../src/index.ts';

describe('createRegistry: one convention for every registry', () => {
  it('registers, looks up and lists in registration order', () => {
    const r = createRegistry<number>({ what: 'thing' });
    r.register('b', 2);
    r.register('a', 1);
    expect(r.get('a')).toBe(1);
    expect(r.has('b')).toBe(true);
    expect(r.get('c')).toBeUndefined();
    expect(r.names()).toEqual(['b', 'a']);
    expect(r.values()).toEqual([2, 1]);
  });

  it('throws on a name taken by a different entry unless replace; the same entry again is a no-op', () => {
    const r = createRegistry<() => number>({ what: 'thing', duplicateCode: 'duplicate-thing' });
    const one = () => 1;
    const two = () => 2;
    r.register('x', one);
    expect(() => r.register('x', one)).not.toThrow();
    const error = (() => {
      try {
        r.register('x', two);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DaleError);
    expect((error as DaleError).code).toBe('duplicate-thing');
    expect((error as DaleError).message).toMatch(
      /a thing named 'x' is already registered; pass \{ replace: true \}/,
    );
    r.register('x', two, { replace: true });
    expect(r.get('x')).toBe(two);
  });

  it('every registration can be undone; an undo removes only its own entry', () => {
    const r = createRegistry<string>({ what: 'thing' });
    const undoFirst = r.register('x', 'first');
    const undoSecond = r.register('x', 'second', { replace: true });
    undoFirst(); // 'first' is no longer the entry: nothing happens
    expect(r.get('x')).toBe('second');
    undoSecond();
    expect(r.has('x')).toBe(false);
  });

  it('checks names and values', () => {
    const r = createRegistry<number>({
      what: 'thing',
      invalidCode: 'invalid-thing',
      namePattern: /^[a-z]+$/,
      nameRule: 'lower-case letters',
      check: (_name, value) => (value > 0 ? undefined : 'must be positive'),
    });
    expect(() => r.register('', 1)).toThrow(/a thing needs a name of lower-case letters, got ""/);
    expect(() => r.register('A1', 1)).toThrow(/lower-case letters/);
    expect(() => r.register('ok', -1)).toThrow(/thing 'ok': must be positive/);
    expect(r.names()).toEqual([]);
  });
});
