import {
  appendFileSync,
  copyFileSync,
  existsSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';

/** One line of `metrics.jsonl`. */
export interface StepMetrics {
  /** 1-based step just completed. */
  readonly step: number;
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Learning rate used for the step. */
  readonly lr: number;
  /** Wall time of the step in milliseconds. */
  readonly stepMs: number;
  readonly imagesPerSec: number;
}

/**
 * The metrics log, one JSON object per line. On resume it is cut back to the checkpoint's step
 * (rewritten atomically), so that every step appears exactly once however often a run was
 * interrupted; a torn last line from a crash is dropped. Nothing is lost for good: whenever lines
 * would be dropped, or a fresh run starts where a log exists, the previous file is first copied
 * to {@link MetricsLog.backupPath} (`metrics.jsonl.bak`).
 */
export class MetricsLog {
  readonly path: string;

  /** Where the previous log is kept before it is cut back or restarted: `<path>.bak`. */
  get backupPath(): string {
    return `${this.path}.bak`;
  }

  constructor(path: string, resumeFromStep: number | undefined) {
    this.path = path;
    if (!existsSync(path)) {
      writeFileSync(path, '');
      return;
    }
    if (resumeFromStep === undefined) {
      if (statSync(path).size > 0) renameSync(path, this.backupPath);
      writeFileSync(path, '');
      return;
    }
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim());
    const kept = lines.filter((line) => {
      try {
        return (JSON.parse(line) as StepMetrics).step <= resumeFromStep;
      } catch {
        return false; // a line torn by a crash
      }
    });
    if (kept.length === lines.length) return; // nothing to cut: append to it as it is
    copyFileSync(path, this.backupPath);
    const temporary = `${path}.tmp-${process.pid}`;
    writeFileSync(temporary, kept.map((line) => `${line}\n`).join(''));
    renameSync(temporary, path);
  }

  append(metrics: StepMetrics): void {
    appendFileSync(this.path, `${JSON.stringify(metrics)}\n`);
  }

  /** Every entry of a metrics log file. */
  static read(path: string): StepMetrics[] {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as StepMetrics);
  }
}
