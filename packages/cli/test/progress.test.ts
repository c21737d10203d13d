import { describe, expect, it } from 'vitest';
import { bufferOutput } from '../src/index.ts';
import { formatDuration, Progress } from '../src/progress.ts';

/** A clock the test moves by hand (milliseconds). */
function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('formatDuration', () => {
  it('formats seconds as h/m/s', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(3723)).toBe('1h02m03s');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
  });
});

describe('Progress', () => {
  it('reports steps/s over the steps taken and the ETA of the rest', () => {
    const time = clock();
    const progress = new Progress(bufferOutput(), { label: 'train', total: 100, now: time.now });
    expect(progress.line(0)).toBe('train 0/100  - steps/s  ETA ?');
    time.advance(5000); // 10 steps in 5 s: 2 steps/s, 90 left → 45 s
    expect(progress.line(10, { loss: '0.5000' })).toBe(
      'train 10/100  2.00 steps/s  loss 0.5000  ETA 45s',
    );
  });

  it('counts only the steps of this session after a resume', () => {
    const time = clock();
    const progress = new Progress(bufferOutput(), {
      label: 'train',
      total: 1000,
      start: 400,
      now: time.now,
    });
    time.advance(50_000); // steps 401…500 in 50 s: 2 steps/s, 500 left → 250 s
    expect(progress.line(500)).toBe('train 500/1000  2.00 steps/s  ETA 4m10s');
  });

  it('without a terminal prints one line every `every` steps and at the last', () => {
    const time = clock();
    const output = bufferOutput(false);
    const progress = new Progress(output, { label: 's', total: 7, every: 3, now: time.now });
    for (let step = 1; step <= 7; step++) {
      time.advance(1000);
      progress.update(step);
    }
    progress.done();
    expect(output.err).toBe(
      [
        's 3/7  1.00 steps/s  ETA 4s',
        's 6/7  1.00 steps/s  ETA 1s',
        's 7/7  1.00 steps/s  ETA 0s',
        '',
      ].join('\n'),
    );
  });

  it('on a terminal redraws one line in place, at most every redrawMs, and ends it', () => {
    const time = clock();
    const output = bufferOutput(true);
    const progress = new Progress(output, { label: 's', total: 4, redrawMs: 100, now: time.now });
    time.advance(50);
    progress.update(1); // first draw
    time.advance(50);
    progress.update(2); // 50 ms later: skipped
    time.advance(50);
    progress.update(3); // 100 ms after the first draw: drawn
    progress.update(4); // the last step is always drawn
    progress.message('done sampling');
    expect(output.err.split('\r').slice(1)).toEqual([
      's 1/4  20.00 steps/s  ETA 0s\x1b[K',
      's 3/4  20.00 steps/s  ETA 0s\x1b[K',
      's 4/4  26.67 steps/s  ETA 0s\x1b[K',
      's 4/4  26.67 steps/s  ETA 0s\x1b[K\ndone sampling\n',
    ]);
    expect(output.err).not.toContain('s 2/4');
  });

  it('without a total shows the step and rate only', () => {
    const time = clock();
    const progress = new Progress(bufferOutput(), { label: 'ode', now: time.now });
    time.advance(2000);
    expect(progress.line(5, { nfe: '30' })).toBe('ode 5  2.50 steps/s  nfe 30');
  });
});
