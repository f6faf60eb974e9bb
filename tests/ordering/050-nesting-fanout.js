// SEMANTICS 3 and 4.5: a tree of tick/microtask/immediate callbacks, each node fanning out to all three kinds, four levels deep.
function visit(path, depth) {
  console.log(path);
  if (depth === 3) return;
  process.nextTick(() => visit(path + '.t', depth + 1));
  queueMicrotask(() => visit(path + '.m', depth + 1));
  setImmediate(() => visit(path + '.i', depth + 1));
}
visit('r', 0);
