import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaleError, Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../src/checkpoint/sha256.ts';
import {
  CHECKPOINT_VERSION,
  checkpointFromBytes,
  cloneParams,
  createUnet,
  decodeSafetensors,
  disposeParams,
  EMA_PREFIX,
  encodeCheckpoint,
  encodeSafetensors,
  flattenParams,
  type LoadedCheckpoint,
  mapParams,
  type SafetensorsTensor,
  type UnetModel,
} from '../src/index.ts';
import { loadCheckpoint, saveCheckpoint, writeDirectoryAtomic } from '../src/node.ts';
import { onCpu, take } from './helpers.ts';

let root: string;
beforeAll(async () => {
  await onCpu();
  root = await mkdtemp(join(tmpdir(), 'dale-checkpoint-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const tiny = (seed: number): UnetModel =>
  createUnet(
    {
      inputShape: [8, 8, 1],
      baseChannels: 4,
      channelMultipliers: [1, 2],
      resBlocksPerLevel: 1,
      attentionResolutions: [4],
      groups: 2,
      timeEmbedding: 8,
    },
    Rng.fromSeed(seed),
  );

/** A safetensors file assembled by hand from its header JSON and data bytes (no padding). */
function handmade(header: object, data: number[] | Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('writes the documented layout: u64 LE header length, space-padded JSON header, LE data', () => {
    const bytes = encodeSafetensors(
      [
        ['a', { dtype: 'F32', shape: [2], data: new Float32Array([1, -2.5]) }],
        ['b', { dtype: 'I32', shape: [1, 1], data: new Int32Array([-7]) }],
        ['c', { dtype: 'F64', shape: [], data: new Float64Array([Math.PI]) }],
      ],
      { note: 'x' },
    );
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({
      __metadata__: { note: 'x' },
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'I32', shape: [1, 1], data_offsets: [8, 12] },
      c: { dtype: 'F64', shape: [], data_offsets: [12, 20] },
    });
    expect(bytes.length).toBe(8 + n + 20);
    expect(view.getFloat32(8 + n + 4, true)).toBe(-2.5);
    expect(view.getInt32(8 + n + 8, true)).toBe(-7);
    expect(view.getFloat64(8 + n + 12, true)).toBe(Math.PI);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ note: 'x' });
    expect([...tensors.keys()]).toEqual(['a', 'b', 'c']);
    expect(Array.from(tensors.get('a')!.data)).toEqual([1, -2.5]);
    expect(tensors.get('b')).toEqual({ dtype: 'I32', shape: [1, 1], data: new Int32Array([-7]) });
    expect(tensors.get('c')!.data[0]).toBe(Math.PI);
  });

  it('reads a hand-assembled file (tensors out of order, no padding)', () => {
    const data = new Uint8Array(12);
    const dv = new DataView(data.buffer);
    dv.setFloat32(0, 3, true); // y occupies [0, 4)
    dv.setFloat32(4, 1, true); // x occupies [4, 12)
    dv.setFloat32(8, 2, true);
    const bytes = handmade(
      {
        x: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        y: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      },
      data,
    );
    const { tensors } = decodeSafetensors(bytes);
    expect(Array.from(tensors.get('x')!.data)).toEqual([1, 2]);
    expect(Array.from(tensors.get('y')!.data)).toEqual([3]);
  });

  it('refuses malformed files with a message naming the file and the problem', () => {
    const f32 = (shape: number[], offsets: number[]) => ({
      dtype: 'F32',
      shape,
      data_offsets: offsets,
    });
    const cases: Array<[Uint8Array, RegExp]> = [
      [new Uint8Array(5), /5 bytes, fewer than the 8-byte header length/],
      [handmade({}, []).fill(255, 0, 8), /header length \d+ exceeds/],
      [handmade({ a: f32([1], [0, 4]) }, [0, 0, 0]), /tensor "a": data_offsets must be/],
      [new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 123, 125 + 1]), /not valid UTF-8 JSON/],
      [handmade([1] as never, []), /header must be a JSON object/],
      [
        handmade({ a: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, [0, 0]),
        /dtype must be one of F32, F64, I32, got "BF16"/,
      ],
      [
        handmade({ a: f32([3], [0, 8]) }, new Uint8Array(8)),
        /shape \[3\] of F32 needs 12 bytes, but data_offsets span 8/,
      ],
      [handmade({ a: f32([-1], [0, 0]) }, []), /shape must be an array of non-negative integers/],
      [handmade({ a: f32([1], [0, 4]), b: f32([1], [2, 6]) }, new Uint8Array(8)), /overlaps/],
      [handmade({ a: f32([1], [4, 8]) }, new Uint8Array(8)), /4 unused bytes before tensor "a"/],
      [
        handmade({ a: f32([1], [0, 4]) }, new Uint8Array(6)),
        /data section has 6 bytes but the tensors cover 4/,
      ],
      [handmade({ __metadata__: { k: 1 } }, []), /__metadata__.k must be a string/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => decodeSafetensors(bytes, 'w.safetensors')).toThrow(DaleError);
      expect(() => decodeSafetensors(bytes, 'w.safetensors')).toThrow(message);
      expect(() => decodeSafetensors(bytes, 'w.safetensors')).toThrow(/^w\.safetensors: /);
    }
  });
});

describe('checkpoints', () => {
  it('round-trips model, EMA, optimizer state and meta; the loaded model gives bit-identical outputs', async () => {
    const model = tiny(1);
    const ema = cloneParams(model.params, false);
    for (const [, v] of flattenParams(ema)) v.assign(tf.mul(v, 0.5));
    const rng = Rng.fromSeed(42);
    rng.normal();
    const meta = {
      sde: { family: 'gbm', sigma: 0.8 },
      step: 1200,
      transform: { kind: 'shift', c: 1 },
      rng: rng.state(),
    };
    const m = tf.tensor([1, 2, 3]);
    const count = tf.tensor([7], [1], 'int32');
    const dir = join(root, 'round-trip');
    await saveCheckpoint(dir, {
      model,
      ema,
      optimizer: {
        tensors: { 'm.input.kernel': m, count },
        state: { step: 1200, beta1Power: 0.25 },
      },
      meta, // rng.state() as it is: RngState is assignable to JSON
    });
    expect((await readdir(dir)).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'optimizer.safetensors',
    ]);
    const before = tf.memory().numTensors;
    const loaded = await loadCheckpoint(dir);
    expect(loaded.model.config).toEqual(model.config);
    expect(loaded.meta).toEqual(JSON.parse(JSON.stringify(meta)));
    const resumed = Rng.fromState(loaded.meta['rng'] as never);
    expect(resumed.normal()).toBe(rng.normal());
    const x = tf.tensor(Rng.fromSeed(3).fillUniform(new Float32Array(128), 0.5, 2), [2, 8, 8, 1]);
    const expected = take(model.apply(model.params, x, [0.1, 0.9]));
    expect(take(loaded.model.apply(loaded.model.params, x, [0.1, 0.9]))).toEqual(expected);
    const emaOut = take(model.apply(ema, x, 0.3));
    expect(take(loaded.model.apply(loaded.ema!, x, 0.3))).toEqual(emaOut);
    const opt = loaded.optimizer!;
    expect(opt.state).toEqual({ step: 1200, beta1Power: 0.25 });
    expect(Array.from(take(opt.tensors.get('m.input.kernel')!))).toEqual([1, 2, 3]);
    expect(opt.tensors.get('count')!.dtype).toBe('int32');
    expect(Array.from(take(opt.tensors.get('count')!))).toEqual([7]);
    x.dispose();
    disposeParams(loaded.model.params);
    disposeParams(loaded.ema!);
    expect(tf.memory().numTensors).toBe(before); // nothing left behind by loading
    tf.dispose([m, count]);
    disposeParams(model.params);
    disposeParams(ema);
  });

  it('loads without the optimizer state when asked (a missing optimizer file is then no error)', async () => {
    const dir = join(root, 'round-trip'); // written by the test above, with an optimizer state
    const full = await loadCheckpoint(dir);
    expect(full.optimizer).toBeDefined();
    const weightsOnly = await loadCheckpoint(dir, { optimizer: false });
    expect(weightsOnly.optimizer).toBeUndefined();
    await rm(join(dir, 'optimizer.safetensors'));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/optimizer\.safetensors: cannot be read/);
    const again = await loadCheckpoint(dir, { optimizer: false });
    for (const loaded of [full, weightsOnly, again]) {
      disposeParams(loaded.model.params);
      if (loaded.ema) disposeParams(loaded.ema);
      if (loaded.optimizer) tf.dispose([...loaded.optimizer.tensors.values()]);
    }
  });

  it('replaces an existing checkpoint atomically, leaves no temporary directories, and refuses other directories', async () => {
    const a = tiny(1);
    const b = tiny(2);
    const dir = join(root, 'replace');
    await saveCheckpoint(dir, { model: a, meta: { step: 1 } });
    await saveCheckpoint(dir, { model: b, meta: { step: 2 } });
    const loaded = await loadCheckpoint(dir);
    expect(loaded.meta).toEqual({ step: 2 });
    expect(take(flattenParams(loaded.model.params)[3]![1].clone())).toEqual(
      take(flattenParams(b.params)[3]![1].clone()),
    );
    expect((await readdir(root)).filter((n) => n.startsWith('replace'))).toEqual(['replace']);
    // A write that fails half-way (the second file cannot be created) leaves the old checkpoint.
    await expect(
      writeDirectoryAtomic(dir, [
        ['config.json', '{}'],
        ['no/such/dir', 'x'],
      ]),
    ).rejects.toThrow();
    expect((await loadCheckpoint(dir)).meta).toEqual({ step: 2 });
    expect((await readdir(root)).filter((n) => n.startsWith('replace'))).toEqual(['replace']);
    const other = join(root, 'not-a-checkpoint');
    await mkdir(other);
    await writeFile(join(other, 'precious.txt'), 'keep me');
    await expect(saveCheckpoint(other, { model: a })).rejects.toThrow(
      /is not a dale checkpoint; refusing/,
    );
    expect(await readFile(join(other, 'precious.txt'), 'utf8')).toBe('keep me');
    for (const m of [a, b, loaded.model]) disposeParams(m.params);
  });

  describe('refuses tampered checkpoints, naming the file and the problem', () => {
    let model: UnetModel;
    let pristine: string;
    beforeAll(async () => {
      model = tiny(5);
      pristine = join(root, 'pristine');
      await saveCheckpoint(pristine, {
        model,
        ema: model.params,
        optimizer: { tensors: {}, state: { step: 3 } },
      });
    });
    afterAll(() => disposeParams(model.params));

    /** A copy of the pristine checkpoint with `edit` applied to it. */
    async function tampered(name: string, edit: (dir: string) => Promise<void>): Promise<string> {
      const dir = join(root, name);
      await mkdir(dir);
      for (const file of await readdir(pristine)) {
        await writeFile(join(dir, file), await readFile(join(pristine, file)));
      }
      await edit(dir);
      return dir;
    }
    const editJson = (dir: string, f: (c: Record<string, Record<string, unknown>>) => void) =>
      readFile(join(dir, 'config.json'), 'utf8').then((text) => {
        const c = JSON.parse(text);
        f(c);
        return writeFile(join(dir, 'config.json'), JSON.stringify(c));
      });
    /** Rewrite model.safetensors with its tensors transformed (sizes/hash are checked after names and shapes). */
    const editTensors = (
      dir: string,
      f: (t: Array<[string, SafetensorsTensor]>) => Array<[string, SafetensorsTensor]>,
    ) =>
      readFile(join(dir, 'model.safetensors')).then((bytes) => {
        const { tensors } = decodeSafetensors(new Uint8Array(bytes));
        return writeFile(join(dir, 'model.safetensors'), encodeSafetensors(f([...tensors])));
      });

    const cases: Array<[string, (dir: string) => Promise<void>, RegExp]> = [
      [
        'version',
        (d) =>
          editJson(d, (c) => {
            (c as Record<string, unknown>)['version'] = CHECKPOINT_VERSION + 1;
          }),
        /config\.json: version 2 is not supported \(this dale reads version 1\)/,
      ],
      [
        'format',
        (d) =>
          editJson(d, (c) => {
            (c as Record<string, unknown>)['format'] = 'other';
          }),
        /config\.json: format must be "dale-checkpoint"/,
      ],
      [
        'json',
        (d) => writeFile(join(d, 'config.json'), '{"format": '),
        /config\.json: is not valid JSON/,
      ],
      [
        'config',
        (d) =>
          editJson(d, (c) => {
            c['model']!['groups'] = 3;
          }),
        /config\.json: the model config is invalid: .*groups \(3\)/,
      ],
      [
        'shape',
        (d) =>
          editJson(d, (c) => {
            c['model']!['baseChannels'] = 8;
            c['model']!['groups'] = 2;
          }),
        /model\.safetensors: tensor "input\.kernel" must be F32 of shape \[3, 3, 1, 8\] for the model config, got F32 \[3, 3, 1, 4\]/,
      ],
      [
        'missing',
        (d) => editTensors(d, (t) => t.filter(([n]) => n !== 'down.0.blocks.0.conv1.bias')),
        /model\.safetensors: missing tensors for the model config: down\.0\.blocks\.0\.conv1\.bias$/,
      ],
      [
        'missing-ema',
        (d) =>
          editJson(d, (c) => {
            (c as Record<string, unknown>)['hasEma'] = true;
          }).then(() => editTensors(d, (t) => t.filter(([n]) => n !== `${EMA_PREFIX}output.bias`))),
        /missing tensors for the model config: ema\.output\.bias/,
      ],
      [
        'extra',
        (d) =>
          editTensors(d, (t) => [
            ...t,
            ['spare', { dtype: 'F32', shape: [1], data: new Float32Array(1) }],
          ]),
        /model\.safetensors: tensors the model config does not have: spare/,
      ],
      [
        'dtype',
        (d) =>
          editTensors(d, (t) =>
            t.map(([n, v]) => [
              n,
              n === 'output.bias'
                ? { dtype: 'F64', shape: v.shape, data: Float64Array.from(v.data) }
                : v,
            ]),
          ),
        /tensor "output\.bias" must be F32 of shape \[1\] for the model config, got F64 \[1\]/,
      ],
      [
        'header',
        (d) =>
          readFile(join(d, 'model.safetensors')).then((b) => {
            b.writeUInt32LE(0xffffff, 0);
            return writeFile(join(d, 'model.safetensors'), b);
          }),
        /model\.safetensors: the header length 16777215 exceeds/,
      ],
      [
        'truncated',
        (d) =>
          readFile(join(d, 'model.safetensors')).then((b) =>
            writeFile(join(d, 'model.safetensors'), b.subarray(0, b.length - 4)),
          ),
        /model\.safetensors: tensor ".*": data_offsets must be/,
      ],
      [
        'bit-flip',
        (d) =>
          readFile(join(d, 'model.safetensors')).then((b) => {
            b[b.length - 100]! ^= 1;
            return writeFile(join(d, 'model.safetensors'), b);
          }),
        /model\.safetensors: the contents do not match config\.json .*modified or corrupted/,
      ],
      [
        'optimizer',
        (d) => rm(join(d, 'optimizer.safetensors')),
        /optimizer\.safetensors: cannot be read/,
      ],
    ];
    for (const [name, edit, message] of cases) {
      it(name, async () => {
        const dir = await tampered(name, edit);
        const before = tf.memory().numTensors;
        const error = await loadCheckpoint(dir).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DaleError);
        expect((error as DaleError).code).toBe('invalid-checkpoint');
        expect((error as Error).message).toMatch(message);
        expect((error as Error).message.startsWith(dir)).toBe(true);
        expect(tf.memory().numTensors).toBe(before); // a failed load frees what it built
        // The same bytes through checkpointFromBytes (the browser path) fail the same way.
        if (existsSync(join(dir, 'optimizer.safetensors'))) {
          const fromBytes = await checkpointFromBytes(
            {
              config: await readFile(join(dir, 'config.json')),
              model: await readFile(join(dir, 'model.safetensors')),
              optimizer: await readFile(join(dir, 'optimizer.safetensors')),
            },
            { source: 'https://example.org/ckpt/' },
          ).catch((e: unknown) => e);
          expect((fromBytes as DaleError).code).toBe('invalid-checkpoint');
          expect((fromBytes as Error).message).toMatch(message);
          expect((fromBytes as Error).message).toMatch(
            /^https:\/\/example\.org\/ckpt\/(config\.json|model\.safetensors): /,
          );
          expect(tf.memory().numTensors).toBe(before);
        }
      });
    }
  });

  it('an EMA that does not match the model is refused at save time', async () => {
    const a = tiny(1);
    const wrong = mapParams({ x: a.params.output.bias }, (v) => tf.variable(v));
    await expect(saveCheckpoint(join(root, 'bad-ema'), { model: a, ema: wrong })).rejects.toThrow(
      /EMA weight "x" \[1\] has no model parameter/,
    );
    disposeParams(a.params);
    disposeParams(wrong);
  });
});

describe('checkpoints as bytes (no file system: the browser path)', () => {
  const dispose = (loaded: LoadedCheckpoint) => {
    disposeParams(loaded.model.params);
    if (loaded.ema) disposeParams(loaded.ema);
    if (loaded.optimizer) tf.dispose([...loaded.optimizer.tensors.values()]);
  };

  it('types meta.sde and meta.transform, and refuses a checkpoint whose meta gets them wrong', async () => {
    const model = tiny(12);
    const files = await encodeCheckpoint({
      model,
      meta: { sde: { family: 'gbm', T: 1 }, transform: { kind: 'shift', c: 1 } },
    });
    const loaded = await checkpointFromBytes(files);
    // Typed: no cast is needed to hand them to sdeFromConfig / transformFromConfig.
    const family: string | undefined = loaded.meta.sde?.family;
    const kind: string | undefined = loaded.meta.transform?.kind;
    expect([family, kind]).toEqual(['gbm', 'shift']);
    dispose(loaded);
    for (const [meta, message] of [
      [{ sde: 'gbm' }, /meta.sde must be an SDE's JSON form with a string family, got "gbm"/],
      [
        { transform: { c: 1 } },
        /meta.transform must be a transform's JSON form with a string kind/,
      ],
      [[1, 2], /"meta" must be an object, got \[1,2\]/],
    ] as const) {
      const config = JSON.parse(files.config);
      config.meta = meta;
      await expect(
        checkpointFromBytes({ ...files, config: JSON.stringify(config) }),
      ).rejects.toThrow(message);
    }
    disposeParams(model.params);
  });

  it('encodeCheckpoint → checkpointFromBytes round-trips weights, EMA and meta; the files are what saveCheckpoint writes', async () => {
    const model = tiny(11);
    const ema = cloneParams(model.params, false);
    for (const [, v] of flattenParams(ema)) v.assign(tf.mul(v, -2));
    const meta = { step: 7, sde: { family: 'gbm' } };
    const files = await encodeCheckpoint({ model, ema, meta });
    expect(files.optimizer).toBeUndefined();
    const dir = join(root, 'bytes');
    await saveCheckpoint(dir, { model, ema, meta });
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe(files.config);
    expect(new Uint8Array(await readFile(join(dir, 'model.safetensors')))).toEqual(files.model);
    // config.json records the SHA-256 that a second implementation (node:crypto) computes.
    expect(JSON.parse(files.config).files['model.safetensors']).toEqual({
      bytes: files.model.length,
      sha256: createHash('sha256').update(files.model).digest('hex'),
    });
    const before = tf.memory().numTensors;
    const loaded = await checkpointFromBytes(files);
    expect(loaded.meta).toEqual(meta);
    const x = tf.tensor(Rng.fromSeed(4).fillUniform(new Float32Array(64), 0.5, 2), [1, 8, 8, 1]);
    expect(take(loaded.model.apply(loaded.model.params, x, 0.4))).toEqual(
      take(model.apply(model.params, x, 0.4)),
    );
    expect(take(loaded.model.apply(loaded.ema!, x, 0.4))).toEqual(take(model.apply(ema, x, 0.4)));
    x.dispose();
    dispose(loaded);
    expect(tf.memory().numTensors).toBe(before);
    // config.json as UTF-8 bytes (what fetch().arrayBuffer() gives) reads the same.
    const again = await checkpointFromBytes({
      ...files,
      config: new TextEncoder().encode(files.config),
    });
    expect(again.meta).toEqual(meta);
    dispose(again);
    disposeParams(model.params);
    disposeParams(ema);
  });

  it('decodes the optimizer state only when its bytes are given, and refuses bytes config.json does not record', async () => {
    const model = tiny(12);
    const m = tf.tensor([1, 2]);
    const withState = await encodeCheckpoint({
      model,
      optimizer: { tensors: { m }, state: { step: 3 } },
    });
    const weightsOnly = await checkpointFromBytes({
      config: withState.config,
      model: withState.model,
    });
    expect(weightsOnly.optimizer).toBeUndefined();
    const full = await checkpointFromBytes(withState);
    expect(full.optimizer!.state).toEqual({ step: 3 });
    expect(Array.from(take(full.optimizer!.tensors.get('m')!))).toEqual([1, 2]);
    const without = await encodeCheckpoint({ model });
    await expect(
      checkpointFromBytes({ ...without, optimizer: withState.optimizer! }, { source: 'runs/x' }),
    ).rejects.toThrow(
      /^runs\/x\/optimizer\.safetensors: given, but config\.json records no optimizer state$/,
    );
    // Messages name bare file names without a source. Same config, other weights: only the hash differs.
    const other = tiny(13);
    const otherFiles = await encodeCheckpoint({ model: other });
    await expect(
      checkpointFromBytes({ config: without.config, model: otherFiles.model }),
    ).rejects.toThrow(/^model\.safetensors: the contents do not match config\.json/);
    disposeParams(other.params);
    for (const loaded of [weightsOnly, full]) dispose(loaded);
    m.dispose();
    disposeParams(model.params);
  });
});

describe('SHA-256 through Web Crypto', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('matches node:crypto and the FIPS 180-2 test vector', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'), 'test')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    const bytes = Rng.fromSeed(9).fillUniform(new Float32Array(1000), 0, 1);
    const view = new Uint8Array(bytes.buffer);
    expect(await sha256Hex(view, 'test')).toBe(createHash('sha256').update(view).digest('hex'));
  });

  it('says what is missing where crypto.subtle is not available (insecure browser pages)', async () => {
    vi.stubGlobal('crypto', undefined);
    const error = await sha256Hex(new Uint8Array(1), 'checkpointFromBytes').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DaleError);
    expect((error as DaleError).code).toBe('unsupported-environment');
    expect((error as Error).message).toMatch(
      /^checkpointFromBytes: SHA-256 needs the Web Crypto API \(crypto\.subtle\).*secure contexts/,
    );
  });
});
