// A private copy of a closure factory, so that V8 compiles each copy's closures against the values they
// capture. TurboFan specialises a function to its closure context while only one closure has been made
// from its source position: captured `const` typed arrays and numbers then become constants in the
// machine code (no map checks, lengths or data pointers reloaded on every access, offsets folded into
// addresses). A factory called once per training call makes a second closure at the same position and
// loses that for every later call; a copy compiled from the factory's own source text has positions of
// its own. Measured on the MTL step, cache-resident table: ~1.8M updates/s in every training call with
// copies; without them the first call in a process is as fast and every later one ~1.1M (the methods
// this replaced: ~1.3M).
//
// The factory must be self-contained: it may use only its parameters and globals, never a binding of
// its module, since the copy is compiled at global scope (its tests run the copies).

let copies = 0;

/**
 * A copy of `factory` compiled from its source text, or `factory` itself where code generation from
 * strings is disabled (`--disallow-code-generation-from-strings`): same results, slower.
 */
export function privateCopy<F extends (...args: never[]) => unknown>(factory: F): F {
  copies++;
  try {
    // The counter makes every source text unique: V8's compilation cache would otherwise hand back the
    // previous copy, closure positions included.
    // eslint-disable-next-line no-new-func -- compiles our own factory's source, never input
    const copy: unknown = new Function(`"use strict"; return (${String(factory)}); // copy ${copies}`)();
    return typeof copy === 'function' ? (copy as F) : factory;
  } catch {
    return factory;
  }
}
