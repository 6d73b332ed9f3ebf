// Deterministic release of native memory. Every tensor made inside scope() is disposed when
// the scope ends, unless it is part of the returned value or was passed to keep(). Tensors that
// outlive every scope live until dispose() or, as a safety net, until garbage collection.

/** What a scope holds: a tensor that can be released now, or handed to the garbage collector. */
export interface Tracked {
  dispose(): void;
  /** Lets garbage collection release the tensor if nothing disposes it (the safety net). */
  guard(): void;
}

const scopes: Set<Tracked>[] = [];

/**
 * Called for each new tensor. A scope will dispose it; one made outside any scope gets the safety
 * net at once. Scoped tensors never need it, which keeps the finalizer off the hot path.
 */
export function track(tensor: Tracked): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(tensor);
  else tensor.guard();
}

function forEachTensor(value: unknown, visit: (tensor: Tracked) => void, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    visit(value);
    return;
  }
  if (ArrayBuffer.isView(value)) return;
  const items = value instanceof Map ? value.values() : Array.isArray(value) ? value : Object.values(value);
  for (const item of items) forEachTensor(item, visit, seen);
}

let isTensor: (value: unknown) => value is Tracked = (_value): _value is Tracked => false;

/** Set once by tensor.ts, which knows the class; kept here so that scope.ts imports no values. */
export function setTensorCheck(check: (value: unknown) => value is Tracked): void {
  isTensor = check;
}

/** Takes the tensors in `value` (a tensor, or arrays, maps and objects of them) out of every scope. */
export function keep<T>(value: T): T {
  forEachTensor(value, (tensor) => {
    for (const open of scopes) open.delete(tensor);
    tensor.guard();
  });
  return value;
}

/** Runs `body` and disposes every tensor it made, except those it returns or kept. */
export function scope<T>(body: () => T): T {
  const made = new Set<Tracked>();
  scopes.push(made);
  let result: T;
  try {
    result = body();
  } catch (error) {
    scopes.pop();
    for (const tensor of made) tensor.dispose();
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new Error('scope(): the body returned a Promise; tensors cannot be tracked across await. Use a synchronous body.');
  }
  const parent = scopes.length > 0 ? scopes[scopes.length - 1] : undefined;
  forEachTensor(result, (tensor) => {
    if (!made.delete(tensor)) return;
    if (parent) parent.add(tensor);
    else tensor.guard();
  });
  for (const tensor of made) tensor.dispose();
  return result;
}

/** How many scopes are open; for tests and diagnostics. */
export function scopeDepth(): number {
  return scopes.length;
}

/**
 * Lets Node run pending finalizers: tensors that were never disposed are released by garbage
 * collection only when the event loop turns. A long synchronous loop that leaves tensors to the
 * collector should await this every few hundred steps so that resident memory stays flat.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
