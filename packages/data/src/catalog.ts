/**
 * The datasets dale knows: where their files live on the canonical mirrors, their checksums
 * and their layouts. Checksums are SHA-256 where known (taken from verified copies of the
 * official files) and MD5 otherwise (the publisher's published value); {@link Checksum} says
 * which one an entry carries.
 * @module
 */

/** A file checksum: SHA-256 where known, else MD5 (the value publishers list). */
export interface Checksum {
  readonly algorithm: 'sha256' | 'md5';
  /** Lower-case hex digest. */
  readonly value: string;
}

/** One file of a dataset as published. */
export interface FileSpec {
  /** File name on the mirror and on disk, e.g. `'train-images-idx3-ubyte.gz'`. */
  readonly name: string;
  /** Checksum of the published file; files without one are used unverified. */
  readonly checksum?: Checksum;
  /** Size in bytes, where known (used as the progress total when the server sends none). */
  readonly bytes?: number;
}

/** The files of one split, in one of the published formats. */
export type SplitSource =
  | { readonly format: 'idx' | 'npz'; readonly images: FileSpec; readonly labels: FileSpec }
  | {
      readonly format: 'cifar10';
      /** The `.tar.gz` archive. */
      readonly archive: FileSpec;
      /** The batch files inside it (paths within the archive) that make up the split. */
      readonly members: readonly string[];
    };

/** A split of a dataset. */
export type Split = 'train' | 'test';

/** A dataset: its shape, classes, mirrors and the files of each split per format. */
export interface DatasetSpec {
  /** Short id, also the sub-folder name under `$DALE_DATA_DIR` and the cache. */
  readonly id: string;
  /** Human-readable name. */
  readonly title: string;
  /** [H, W, C] of every image. */
  readonly shape: readonly [number, number, number];
  /** Class names indexed by label. */
  readonly classNames: readonly string[];
  /** Base URLs tried in order; a file's URL is the base followed by its name. */
  readonly mirrors: readonly string[];
  /** The format used unless the caller asks for another. */
  readonly defaultFormat: string;
  /** Files per format and split. */
  readonly formats: Readonly<Record<string, Readonly<Record<Split, SplitSource>>>>;
}

const sha256 = (value: string): Checksum => ({ algorithm: 'sha256', value });
const md5 = (value: string): Checksum => ({ algorithm: 'md5', value });

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Canonical mirrors per dataset (base URLs). Override per call (`mirrors`) or with `$DALE_DATA_MIRROR`. */
export const MIRRORS = {
  mnist: [
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
  ],
  'fashion-mnist': [
    'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  ],
  kmnist: ['http://codh.rois.ac.jp/kmnist/dataset/kmnist/'],
  cifar10: ['https://www.cs.toronto.edu/~kriz/'],
} as const;

/** MNIST handwritten digits (LeCun & Cortes, CC BY-SA 3.0): 60,000 + 10,000 28×28 grey images. */
export const MNIST: DatasetSpec = {
  id: 'mnist',
  title: 'MNIST',
  shape: [28, 28, 1],
  classNames: DIGITS,
  mirrors: MIRRORS.mnist,
  defaultFormat: 'idx',
  formats: {
    idx: {
      train: {
        format: 'idx',
        images: {
          name: 'train-images-idx3-ubyte.gz',
          checksum: sha256('440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609'),
          bytes: 9912422,
        },
        labels: {
          name: 'train-labels-idx1-ubyte.gz',
          checksum: sha256('3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c'),
          bytes: 28881,
        },
      },
      test: {
        format: 'idx',
        images: {
          name: 't10k-images-idx3-ubyte.gz',
          checksum: sha256('8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6'),
          bytes: 1648877,
        },
        labels: {
          name: 't10k-labels-idx1-ubyte.gz',
          checksum: sha256('f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6'),
          bytes: 4542,
        },
      },
    },
  },
};

/** Fashion-MNIST (Zalando, MIT): 60,000 + 10,000 28×28 grey images of clothing. */
export const FASHION_MNIST: DatasetSpec = {
  id: 'fashion-mnist',
  title: 'Fashion-MNIST',
  shape: [28, 28, 1],
  classNames: [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ],
  mirrors: MIRRORS['fashion-mnist'],
  defaultFormat: 'idx',
  formats: {
    idx: {
      train: {
        format: 'idx',
        images: {
          name: 'train-images-idx3-ubyte.gz',
          checksum: sha256('3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84'),
          bytes: 26421880,
        },
        labels: {
          name: 'train-labels-idx1-ubyte.gz',
          checksum: sha256('a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845'),
          bytes: 29515,
        },
      },
      test: {
        format: 'idx',
        images: {
          name: 't10k-images-idx3-ubyte.gz',
          checksum: sha256('346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073'),
          bytes: 4422102,
        },
        labels: {
          name: 't10k-labels-idx1-ubyte.gz',
          checksum: sha256('67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5'),
          bytes: 5148,
        },
      },
    },
  },
};

/**
 * Kuzushiji-MNIST (ROIS-DS CODH, CC BY-SA 4.0; Clanuwat et al., arXiv:1812.01718): 60,000 +
 * 10,000 28×28 grey images of cursive Japanese characters, as IDX (default) or NPZ. The
 * training images carry the publisher's MD5 (their SHA-256 was not available offline).
 */
export const KMNIST: DatasetSpec = {
  id: 'kmnist',
  title: 'Kuzushiji-MNIST',
  shape: [28, 28, 1],
  classNames: ['お', 'き', 'す', 'つ', 'な', 'は', 'ま', 'や', 'れ', 'を'],
  mirrors: MIRRORS.kmnist,
  defaultFormat: 'idx',
  formats: {
    idx: {
      train: {
        format: 'idx',
        images: {
          name: 'train-images-idx3-ubyte.gz',
          checksum: md5('bdb82020997e1d708af4cf47b453dcf7'),
        },
        labels: {
          name: 'train-labels-idx1-ubyte.gz',
          checksum: sha256('e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17'),
          bytes: 29497,
        },
      },
      test: {
        format: 'idx',
        images: {
          name: 't10k-images-idx3-ubyte.gz',
          checksum: sha256('edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5'),
          bytes: 3041136,
        },
        labels: {
          name: 't10k-labels-idx1-ubyte.gz',
          checksum: sha256('20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c'),
          bytes: 5120,
        },
      },
    },
    npz: {
      train: {
        format: 'npz',
        images: {
          name: 'kmnist-train-imgs.npz',
          checksum: md5('a183fbc01ed9a345513b145673d3d0bb'),
        },
        labels: {
          name: 'kmnist-train-labels.npz',
          checksum: sha256('a325c877035602cb9b9ba54f4194a2a1b5f718026a463db5b5e0cdc124c03720'),
          bytes: 29700,
        },
      },
      test: {
        format: 'npz',
        images: {
          name: 'kmnist-test-imgs.npz',
          checksum: sha256('692d824896bec8f3c357ebf7a0fe904ed67ac632ce953d0b58f7fbef7bb27d87'),
          bytes: 3079479,
        },
        labels: {
          name: 'kmnist-test-labels.npz',
          checksum: sha256('660f13a4705431ea2a6391c41ecbe384cd0d932c595a101ec4f3b8989e785046'),
          bytes: 5304,
        },
      },
    },
  },
};

/** The CIFAR-10 binary archive (Krizhevsky 2009); MD5 as published (no SHA-256 available offline). */
const CIFAR_ARCHIVE: FileSpec = {
  name: 'cifar-10-binary.tar.gz',
  checksum: md5('c32a1d4ab5d03f1284b67883e8d87530'),
};

/** CIFAR-10 (Krizhevsky 2009): 50,000 + 10,000 32×32 RGB images, from the binary archive. */
export const CIFAR10: DatasetSpec = {
  id: 'cifar10',
  title: 'CIFAR-10',
  shape: [32, 32, 3],
  classNames: [
    'airplane',
    'automobile',
    'bird',
    'cat',
    'deer',
    'dog',
    'frog',
    'horse',
    'ship',
    'truck',
  ],
  mirrors: MIRRORS.cifar10,
  defaultFormat: 'cifar10',
  formats: {
    cifar10: {
      train: {
        format: 'cifar10',
        archive: CIFAR_ARCHIVE,
        members: [1, 2, 3, 4, 5].map((k) => `cifar-10-batches-bin/data_batch_${k}.bin`),
      },
      test: {
        format: 'cifar10',
        archive: CIFAR_ARCHIVE,
        members: ['cifar-10-batches-bin/test_batch.bin'],
      },
    },
  },
};

/** Every built-in dataset by id. */
export const DATASETS = {
  mnist: MNIST,
  'fashion-mnist': FASHION_MNIST,
  kmnist: KMNIST,
  cifar10: CIFAR10,
} as const satisfies Record<string, DatasetSpec>;

/** Id of a built-in dataset. */
export type DatasetName = keyof typeof DATASETS;
