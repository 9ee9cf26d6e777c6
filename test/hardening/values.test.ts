/**
 * Values from plain JavaScript: anything that is not a number or a boolean is an error naming
 * where it sits and what it is (never a silent NaN); feeds say what was fed.
 */
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

describe('array / constant / variable reject non-numeric values', () => {
  it('names the position and type of the bad element', () => {
    expect(() => kiln.array(['a', 'b'] as never)).toThrow(kiln.InvalidArgumentError);
    expect(() => kiln.array(['a', 'b'] as never)).toThrow(`array: element [0] is a string ("a"); expected a number or a boolean`);
    expect(() => kiln.array([1, true, null, undefined] as never)).toThrow('array: element [2] is null; expected a number or a boolean');
    expect(() => kiln.array([[1, 2], [3, undefined]] as never)).toThrow('array: element [1][1] is undefined');
    expect(() => kiln.array([[1, 2], [3, '4']] as never)).toThrow('array: element [1][1] is a string ("4")');
    expect(() => kiln.array([{}] as never)).toThrow('array: element [0] is an object');
    expect(() => kiln.array(undefined as never)).toThrow('array: expected a number, a boolean, a nested array of them, a typed array or an NDArray, got undefined');
    expect(() => kiln.array([[1, 2], [3]])).toThrow('array: ragged nested array: element [1] has length 1, expected an array of length 2');
  });

  it('NaN and Infinity are numbers and stay accepted; booleans too', () => {
    expect(Array.from(kiln.array([NaN, Infinity, -Infinity]).data)).toEqual([NaN, Infinity, -Infinity]);
    expect(kiln.array([true, false]).toArray()).toEqual([true, false]);
    expect(Array.from(kiln.array([1, true], undefined, 'float32').data)).toEqual([1, 1]);
  });

  it('constant names itself and the call site', () => {
    expect(() => kiln.constant(['a', 'b'] as never, { graph: new kiln.Graph() })).toThrow(
      /^constant 'Const': element \[0\] is a string \("a"\); expected a number or a boolean \(created at test\/hardening\/values\.test\.ts:\d+\)$/,
    );
    expect(() => kiln.constant([1, true, null, undefined] as never, { name: 'c', graph: new kiln.Graph() })).toThrow("constant 'c': element [2] is null");
  });

  it('a Tensor is not an initial value for a variable', () => {
    const g = new kiln.Graph();
    const c = kiln.constant([1, 2], { graph: g });
    expect(() => kiln.variable(c as never, { name: 'v', graph: g })).toThrow(
      "variable 'v': the initial value is a Tensor (Tensor 'Const:0' float32 [2]), which has no value until a session runs it; pass a value",
    );
    expect(g.variables()).toHaveLength(0);
    expect(() => kiln.variable(['x'] as never, { name: 'w', graph: g })).toThrow("variable 'w': element [0] is a string");
  });

  it('NDArray rejects a typed array that does not hold its dtype', () => {
    expect(() => new kiln.NDArray(new Float32Array(3), [1, 3], 'int32')).toThrow(
      "NDArray: int32 data must be an Int32Array, got Float32Array; use kiln.array(data, shape, 'int32') to convert",
    );
    expect(() => new kiln.NDArray(new Int32Array(3), [3], 'bool')).toThrow('NDArray: bool data must be a Uint8Array, got Int32Array');
    expect(() => new kiln.NDArray(new Int32Array(3), [3], 'float32')).toThrow('NDArray: float32 data must be a Float32Array or Float64Array, got Int32Array');
    expect(() => new kiln.NDArray([1, 2, 3] as never, [3], 'float32')).toThrow('NDArray: float32 data must be a Float32Array or Float64Array, got an array');
    expect(() => new kiln.NDArray(new Float32Array(3), [3], 'float64' as never)).toThrow(`NDArray: unknown dtype "float64"`);
    expect(new kiln.NDArray(new Float64Array(3), [3], 'float32').dtype).toBe('float32'); // the interpreter's storage
  });
});

describe('feeds say what was fed', () => {
  const g = new kiln.Graph();
  const x = kiln.placeholder('float32', [null, 3], 'x', g);
  const y = g.asDefault(() => kiln.mul(x, 2));
  const sess = new kiln.Session(g, { backend: 'interpreter' });

  it('null, undefined, a string or a plain object', () => {
    expect(() => sess.run(y, { x: undefined as never })).toThrow(/^placeholder 'x': fed undefined, expected float32 \[\?,3\] \(created at test\/hardening\/values\.test\.ts:\d+\)$/);
    expect(() => sess.run(y, { x: null as never })).toThrow("placeholder 'x': fed null, expected float32 [?,3]");
    expect(() => sess.run(y, { x: { data: [1, 2, 3] } as never })).toThrow("placeholder 'x': fed an object, expected float32 [?,3]");
    expect(() => sess.run(y, { x: 'abc' as never })).toThrow(`placeholder 'x': fed a string ("abc"), expected float32 [?,3]`);
  });

  it('non-numeric elements name their position', () => {
    expect(() => sess.run(y, { x: [['a', 'b', 'c']] as never })).toThrow(
      `placeholder 'x': element [0][0] is a string ("a"); expected a number or a boolean (the placeholder is float32 [?,3], created at`,
    );
  });

  it('rows of typed arrays are accepted', () => {
    const r = sess.run(y, { x: [Float32Array.of(1, 2, 3), Float32Array.of(4, 5, 6)] as never });
    expect(r.shape).toEqual([2, 3]);
    expect(Array.from(r.data)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(kiln.array([Int32Array.of(1, 2), Int32Array.of(3, 4)], undefined, 'int32').shape).toEqual([2, 2]);
    expect(() => sess.run(y, { x: [Float32Array.of(1, 2, 3), Float32Array.of(4, 5)] as never })).toThrow(
      "placeholder 'x': ragged nested array: element [1] has length 2, expected an array of length 3",
    );
  });

  it('placeholder takes its name as the third argument', () => {
    expect(() => kiln.placeholder('float32', [null, 3], { name: 'x' } as never, new kiln.Graph())).toThrow(
      'placeholder: name must be a non-empty string (the third argument: placeholder(dtype, shape, name, graph)), got an object',
    );
  });
});
