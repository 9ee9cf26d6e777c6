/**
 * The only ways user text reaches generated C++ (DESIGN: safety of generated code): as a
 * sanitized identifier, as a C string literal whose every byte outside a small safe set is an
 * octal escape, or not at all. Nothing here ever emits a raw user character that could end a
 * comment, a string, a line or a preprocessor directive.
 */

/** `[A-Za-z0-9_]` only, never starting with a digit, at most 40 characters; `prefix` keeps it unique. */
export function cIdent(prefix: string, text: string): string {
  const body = text.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_').slice(0, 40);
  return `${prefix}${body ? '_' + body : ''}`;
}

/** Characters kept literally in a C string: letters, digits and punctuation that cannot end or escape it. */
const SAFE = /^[A-Za-z0-9 _\-.,:;/()[\]=<>+*@!~^|{}]$/;

/**
 * A C string literal for `text`. Every other byte of its UTF-8 encoding becomes a 3-digit octal
 * escape (bounded, unlike `\x`, which swallows any following hex digits), so quotes, backslashes,
 * newlines, `*` `/` pairs and `?` trigraph sequences cannot change the program's meaning.
 */
export function cString(text: string): string {
  let out = '"';
  for (const ch of text) {
    if (SAFE.test(ch) && ch !== '?' && ch !== '*') out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '\\' + b.toString(8).padStart(3, '0');
  }
  return out + '"';
}

/** The same string for use inside a `printf` format: `%` doubled after escaping. */
export function cFormatString(text: string): string {
  return cString(text).replace(/%/g, '%%');
}

/** An exact float32 literal (`1.5f`, `INFINITY`, `NAN`). */
export function floatLit(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return 'NAN';
  if (f === Infinity) return 'INFINITY';
  if (f === -Infinity) return '(-INFINITY)';
  if (Object.is(f, -0)) return '(-0.0f)';
  // 9 significant digits round-trip any float32.
  const s = f.toPrecision(9);
  return f < 0 ? `(${s}f)` : `${s}f`;
}

/** An int32 literal (INT32_MIN cannot be written as a negated literal). */
export function intLit(v: number): string {
  const i = v | 0;
  if (i === -2147483648) return 'INT32_MIN';
  return i < 0 ? `(${i})` : String(i);
}

/** An int64 constant for sizes and offsets. */
export function i64(v: number): string {
  if (!Number.isSafeInteger(v)) throw new Error(`codegen: size ${v} is not an exact integer`);
  return Math.abs(v) < 2 ** 31 ? String(v) : `${v}LL`;
}
