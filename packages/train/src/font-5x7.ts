/**
 * A 5×7 bitmap font for chart labels: the digits, the punctuation of numbers and the few
 * lower-case letters the loss curve writes. Each glyph is seven rows of five cells, `#` lit.
 * @module
 */

/** Glyph width and height in pixels; text advances `GLYPH_WIDTH + 1` per character. */
export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;

// biome-ignore format: one glyph per line keeps the bitmaps readable
const GLYPHS: Readonly<Record<string, string>> = {
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  '-': '..... ..... ..... .###. ..... ..... .....',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  a: '..... ..... .###. ....# .#### #...# .####',
  c: '..... ..... .###. #.... #.... #...# .###.',
  e: '..... ..... .###. #...# ##### #.... .###.',
  g: '..... ..... .#### #...# .#### ....# .###.',
  k: '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  l: '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  m: '..... ..... ##.#. #.#.# #.#.# #...# #...#',
  o: '..... ..... .###. #...# #...# #...# .###.',
  p: '..... ..... ####. #...# ####. #.... #....',
  r: '..... ..... #.##. ##..# #.... #.... #....',
  s: '..... ..... .#### #.... .###. ....# ####.',
  t: '.#... .#... ###.. .#... .#... .#..# ..##.',
  w: '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
};

/** A character not in the font: a checkerboard, so that a missing glyph is visible, not silent. */
const MISSING = '#.#.# .#.#. #.#.# .#.#. #.#.# .#.#. #.#.#';
const BLANK = '..... ..... ..... ..... ..... ..... .....';

/** The lit cells of `char`, row-major (`GLYPH_HEIGHT` rows of `GLYPH_WIDTH`). */
export function glyphCells(char: string): boolean[] {
  const rows = char === ' ' ? BLANK : (GLYPHS[char] ?? MISSING);
  return [...rows.replaceAll(' ', '')].map((cell) => cell === '#');
}
